// Its own module so that main.ts can import it (and with it core and the native WebRTC module)
// after the first frame is drawn.
export { createFileshareNode } from '@fileshare/core';

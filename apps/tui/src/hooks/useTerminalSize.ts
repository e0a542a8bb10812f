import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { DEFAULT_COLUMNS, DEFAULT_ROWS } from '../constants.js';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The terminal size, re-read on every resize so lists can grow and shrink with the window. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function read(stdout: NodeJS.WriteStream): TerminalSize {
  return {
    columns: stdout.columns > 0 ? stdout.columns : DEFAULT_COLUMNS,
    rows: stdout.rows > 0 ? stdout.rows : DEFAULT_ROWS,
  };
}

// Resource use over time of the soak's long-lived agents, and the verdict on growth.
//
// RSS jumps with every transfer's buffers and falls back after garbage collection; descriptors
// come and go with transfers and connections. A leak is what the floor does, so each agent's
// samples are grouped into buckets of time and each bucket's minimum is kept. The verdict fits a
// straight line (least squares) to the bucket minima of the second half of the run, once the
// agents have warmed up: the rise of that line across the half must stay under the limits below.

/** Growth limits across the second half of the run (the fitted line's rise). */
export const RSS_GROWTH_LIMIT_MIB = 5;
/** ... or this share of the agent's typical RSS, whichever is larger. */
export const RSS_GROWTH_LIMIT_SHARE = 0.05;
export const FDS_GROWTH_LIMIT = 3;
/** A verdict needs at least this many buckets in the second half... */
const MIN_BUCKETS_FOR_VERDICT = 3;
/**
 * ...and a second half at least this long: a fresh agent's heap is still settling for the first
 * minutes (in a 4-minute run its RSS floor rose ~10 MiB over the second half), and a short span
 * cannot tell that from a leak.
 */
export const MIN_JUDGED_HALF_MINUTES = 3;
/** Buckets per run: the run is cut into this many spans of time (at least one sample each). */
const BUCKETS_PER_RUN = 20;

/** Least-squares slope of y over x; undefined with fewer than two points. */
export function slope(points) {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  return points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

/**
 * Bucket minima of one series (`[{ minute, rssMiB, fds, threads }]`) over a run of `minutes`:
 * `[{ minute (bucket middle), rssMiB, fds, threads }]`, empty buckets left out.
 */
export function bucketMinima(samples, minutes, sampleMinutes) {
  const width = Math.max(sampleMinutes, minutes / BUCKETS_PER_RUN);
  const buckets = new Map();
  for (const s of samples) {
    const k = Math.floor(s.minute / width);
    const b = buckets.get(k);
    if (!b) buckets.set(k, { minute: (k + 0.5) * width, rssMiB: s.rssMiB, fds: s.fds, threads: s.threads });
    else {
      b.rssMiB = Math.min(b.rssMiB, s.rssMiB);
      b.fds = Math.min(b.fds, s.fds);
      b.threads = Math.min(b.threads, s.threads);
    }
  }
  return [...buckets.values()].sort((a, b) => a.minute - b.minute);
}

/**
 * The growth verdict for one long-lived agent: slopes per minute of the RSS and descriptor
 * floors over the second half, their rise across it, and whether that is growth.
 */
export function growthVerdict(samples, minutes, sampleMinutes) {
  const floors = bucketMinima(samples, minutes, sampleMinutes);
  const half = floors.filter((b) => b.minute >= minutes / 2);
  const verdict = { buckets: floors, first: floors[0], last: floors[floors.length - 1] };
  if (half.length < MIN_BUCKETS_FOR_VERDICT || minutes / 2 < MIN_JUDGED_HALF_MINUTES) {
    return { ...verdict, judged: false, why: `the run is shorter than ${2 * MIN_JUDGED_HALF_MINUTES} minutes` };
  }
  const span = half[half.length - 1].minute - half[0].minute;
  const rssSlope = slope(half.map((b) => ({ x: b.minute, y: b.rssMiB })));
  const fdsSlope = slope(half.map((b) => ({ x: b.minute, y: b.fds })));
  const typicalRss = half.map((b) => b.rssMiB).sort((a, b) => a - b)[half.length >> 1];
  const rssLimit = Math.max(RSS_GROWTH_LIMIT_MIB, RSS_GROWTH_LIMIT_SHARE * typicalRss);
  const rssRise = rssSlope * span;
  const fdsRise = fdsSlope * span;
  const growing = [];
  if (rssRise > rssLimit) growing.push(`RSS +${rssRise.toFixed(1)} MiB over the second half (limit ${rssLimit.toFixed(1)})`);
  if (fdsRise > FDS_GROWTH_LIMIT) growing.push(`fds +${fdsRise.toFixed(1)} over the second half (limit ${FDS_GROWTH_LIMIT})`);
  return { ...verdict, judged: true, rssSlope, fdsSlope, rssRise, fdsRise, growing };
}

/** One line per long-lived agent: its RSS and fd floors across the run, then the verdict. */
export function describeTrend(label, verdict) {
  const series = verdict.buckets.map((b) => `${b.minute.toFixed(1)}m ${b.rssMiB.toFixed(0)}/${b.fds}`).join('  ');
  const judged = !verdict.judged
    ? `not judged: ${verdict.why}`
    : verdict.growing.length > 0
      ? `GROWTH: ${verdict.growing.join('; ')}`
      : `no growth (second half: RSS ${verdict.rssSlope >= 0 ? '+' : ''}${verdict.rssSlope.toFixed(2)} MiB/min, fds ${verdict.fdsSlope >= 0 ? '+' : ''}${verdict.fdsSlope.toFixed(2)}/min)`;
  return `${label}: ${judged}\n    floors (minute RSS MiB/fds): ${series}`;
}

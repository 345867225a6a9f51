// When is the edge run measuring the gate, and when a saturated harness? (issue 17)
// Pure, so that tests/bench/report.test.mjs can hold it to the numbers of a machine where the
// local `wrangler dev` stack could not carry the offered load.

// The baseline (pass-through Worker) at the open-loop rate must answer this share of it...
export const MIN_ANSWERED = 0.95;
// ...and its p50 stay within 4× its unloaded (one-connection) p50 + 1 ms: an M/M/1 queue at
// 50% load doubles the response time; beyond 4× (75% utilisation) the figures measure the queue.
export const QUEUEING_FACTOR = 4;
export const QUEUEING_SLACK_MS = 1;
// The baseline's capacity must be a baseline: its rounds (closed loop, a few seconds each) may
// differ by at most 1.5× (max/min). More means other work on the machine came and went during
// the run, and gated-vs-pass-through differences measure that work, not the gate.
export const MAX_ROUND_SPREAD = 1.5;

/**
 * The reasons the run is not measurable on this machine (empty: measurable).
 * `capacity`, `unloaded`, `open`: summaries { p50, p99, rps, errors } of the pass-through
 * baseline in the three phases; `rate`: the open-loop rate offered (req/s); `roundsRps`: the
 * baseline's req/s in each capacity round.
 */
export function baselineProblems({ capacity, unloaded, open, rate, roundsRps = [] }) {
  const problems = [];
  const [low, high] = [Math.min(...roundsRps), Math.max(...roundsRps)];
  if (roundsRps.length > 1 && high > MAX_ROUND_SPREAD * low) {
    problems.push(`the pass-through baseline's capacity moved between ${Math.round(low)} and ${Math.round(high)} req/s from one round to the next (> ${MAX_ROUND_SPREAD}×: other work on the machine)`);
  }
  const errors = capacity.errors + unloaded.errors + open.errors;
  if (errors > 0) problems.push(`the pass-through baseline answered ${errors} requests with an error`);
  if (capacity.rps === 0) problems.push("the pass-through baseline answered nothing");
  if (open.rps < MIN_ANSWERED * rate) problems.push(`the pass-through baseline answered ${open.rps} of ${rate} req/s offered (saturated)`);
  if (open.p50 > QUEUEING_FACTOR * unloaded.p50 + QUEUEING_SLACK_MS) {
    problems.push(`the pass-through baseline's p50 at ${rate} req/s is ${open.p50} ms against ${unloaded.p50} ms unloaded (> ${QUEUEING_FACTOR}× + ${QUEUEING_SLACK_MS} ms: queueing)`);
  }
  return problems;
}

/** What the gate adds (gated − baseline), never below zero: a negative difference is noise. */
export function added(gated, baseline) {
  const diff = gated - baseline;
  return { ms: Number(Math.max(0, diff).toFixed(3)), belowNoise: diff < 0 };
}

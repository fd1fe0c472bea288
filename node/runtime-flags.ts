/**
 * The V8 flags every node process runs with: `npm start`, the `liberation` command's
 * shebang, the Dockerfile's entry point, the simulator's local launcher and the benches.
 *
 * `--max-semi-space-size=16` caps V8's young generation at 2 x 16 MiB. Left to itself V8
 * grows it to 2 x 32 MiB under an allocation burst (a peer flooding beacons or messages)
 * and keeps the pages, so a flood that the node refuses still left it ~80 MiB larger;
 * with the cap the same flood costs ~20 MiB. What it costs a node under full gossip
 * load and why 16 rather than 8: docs/benchmarks.md ("The young generation's cap").
 * V8 reads this flag when the heap is created, so it must be on the command line:
 * `v8.setFlagsFromString` at run time has no effect on it.
 */
export const NODE_RUNTIME_FLAGS = ['--max-semi-space-size=16'] as const

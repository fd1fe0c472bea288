/**
 * Routes and health: the mesh layer (`node.routing`); wire format in docs/protocols/routing.md.
 *
 * Each node measures its links, scores its peers, learns the topology around it and can
 * deliver a direct message to a node it has no connection to.
 *
 * ## Parts
 *
 * - link-monitor.ts: a probe (32-byte echo over `/liberation/probe/1.0.0`, probe.ts) to
 * each connected peer every 5 s, on the routing's clock; RTT moving median (routing) and
 * average, jitter, loss over the last 20 probes (link-stats.ts), time connected, bytes
 * in/out, invalid messages.
 * - health.ts: the health score in [0, 1] and the link cost (formulas documented there:
 * ETX from OLSR/Babel, gossipsub P1/P4/P7 via the gossipsub score, our own P4 for
 * invalid beacons and routed messages).
 * - records.ts, pb/routing.proto: signed beacons, routed messages and acknowledgements.
 * Everything is signed with the node key through `components.crypto.signer`, checked
 * with `.verifier`; a forged or malformed record is dropped before it changes anything,
 * and costs the neighbour that sent it health (`reportInvalid`).
 * - topology.ts: the graph: the bounded beacon store (beacon-store.ts; aged out after 4
 * refresh periods), the paths over confirmed links (link-state.ts, Dijkstra on typed
 * arrays), the neighbours' far tables (far-zone.ts, aged out after 3; distance vectors
 * with Babel's feasibility condition).
 * - topology-exchange.ts, limits.ts, cut-off.ts: what neighbours send, checked and bounded;
 * a neighbour that stays over its byte budget has its topology streams cut off for a
 * cooldown.
 * - routing.ts: the service: beacons and far tables over `/liberation/topology/2.0.0`
 * (one length-prefixed update per frame), routed messages over `/liberation/route/1.0.0`,
 * the API and the events.
 * - channel.ts: one long-lived stream per neighbour and protocol, reopened after a failure
 * (js-libp2p negotiates every new stream in full: a round trip per routed hop, and the
 * CPU of multistream-select, yamux and the peer store per topology update, saved);
 * routed requests and replies are matched by id. A topology frame that does not decode
 * costs the sender health and the next frame is read; one over the size limit (4 MiB)
 * ends the stream.
 * - ../connectivity/connection-keeper.ts: keeps `minConnections`, redials lost peers
 * first, with exponential backoff per peer.
 *
 * ## Topology gossip: fisheye, bounded
 *
 * A node's beacon (its links with their RTT, jitter, loss and health) goes to its
 * neighbours, who pass it on while it has travelled fewer than `scope` hops (default 2):
 * full, signed link state for the neighbourhood. One hop past the scope the border
 * nodes' links are still known. Further away a node only knows distance vectors: every
 * 120 s (and at once when a route is lost) each node tells each neighbour its cost to up
 * to 1024 far targets (split horizon; Babel's feasibility condition with the target's
 * beacon seq keeps them loop-free; routed messages also carry their trace, which no hop
 * may revisit). Targets beyond that are looked up in the DHT and dialled directly
 * (`dialUnknownTargets`). A beacon refreshes every 60 s and is re-sent at once (at most
 * every 250 ms) when a link comes or goes; a new neighbour gets the beacons of our zone
 * straight away. A link's cost change triggers a beacon only when it is significant and
 * sustained (Babel-style hysteresis): 25 % off the cost last advertised, over two probes
 * in a row, so measurement noise and a single slow probe never do. Such cost-triggered
 * beacons are damped like route flaps (RFC 2439): each adds 1 to a penalty halved every
 * 60 s, and the next waits 250 ms × 2^penalty after the last beacon (at most 60 s), so a
 * busy node, whose RTTs degrade, does not make itself busier with beacons (damping.ts).
 * Far tables are re-sent early only when a target came or went or its cost moved 25 %
 * against what the neighbour was last told (judged before split horizon; hop counts ride
 * along): at once (50 ms) when a route was lost, within 2 s when a target appeared or its
 * route got 25 % worse through another next hop, and after the same damping as beacons
 * (2 s × 2^penalty, at most the 120 s refresh) when costs only moved (what that saves:
 * docs/benchmarks.md). Every change goes out early, so the periodic sends are only a
 * refresh: kept rare (a beacon lives 4 refreshes, a far table 3), they are most of what
 * an idle mesh sends. A node whose distance grew past its scope (a
 * shortcut died) stops being heard from: its last beacon is no longer used for routes.
 *
 * Per-node cost (cost-model.ts; average degree d = 8, the defaults above, one triggered
 * beacon per node per 5 min; out ≈ in):
 *
 * | mesh size | beacons held | beacon traffic | far table | far traffic | total in | state | routed without DHT |
 * |---|---|---|---|---|---|---|---|
 * | 1,000 | 65 | 1.4/s, 0.8 KiB/s | 991 entries | 3.5 KiB/s | 4.3 KiB/s | 0.9 MiB | all |
 * | 10,000 | 65 | 1.4/s, 0.8 KiB/s | 1,024 entries | 3.6 KiB/s | 4.4 KiB/s | 0.9 MiB | 1,480 (15 %) |
 * | 50,000 | 65 | 1.4/s, 0.8 KiB/s | 1,024 entries | 3.6 KiB/s | 4.4 KiB/s | 0.9 MiB | 1,480 (3 %) |
 *
 * `ROUTES_BENCH_ONLY=idle npm run bench -- routes` measures an idle mesh of 100 in-process
 * nodes with the default timers (figures: docs/benchmarks.md).
 *
 * Flat in N past ~1,100 nodes. For contrast, flooding every beacon to every node (plain
 * link state) would cost each node N × d × 553 B per 60 s: 0.7 MiB/s at 10,000 nodes,
 * 3.5 MiB/s at 50,000, and N² in total. Denser meshes pay more: at d = 16, 12.3 KiB/s;
 * scope 3 at d = 16 would be 84 KiB/s, which is why the default scope is 2.
 * Route computation runs over the zone plus one hop (~460 nodes at d = 8) and the far
 * tables (d × 1,024 entries); `npm run bench -- routes` times it.
 *
 * ## Routed messages
 *
 * `send(target, payload)` signs the message (id, sender key, target, time, payload),
 * sends it straight when connected, else along the best route: a full source route in
 * the link-state zone; for a far target the next hop, each hop then choosing its own. It
 * carries a TTL (16 hops), its trace and a time budget; every hop checks the signature
 * (a forged message goes no further than the first honest hop). The target answers with
 * an acknowledgement signed by its key, which travels back the same streams; the sender
 * checks it. A hop that cannot go on reports which link failed (or stays silent until the
 * attempt's share of the time budget runs out); the sender avoids that link (for 30 s, for
 * every message) and retries on the next-best route, 3 attempts in all. The target
 * delivers each message id once and acknowledges copies again.
 *
 * ## API (node.routing)
 *
 * `peers()` PeerLinkInfo[] (direct peers: id, addresses, status, last seen, connections,
 * bytes in/out, RTT, jitter, loss, health), `health(peer)` PeerHealth (the score and its
 * parts), `topology()` TopologySnapshot (nodes with their zone, links with their quality
 * and cost: plain JSON), `routes()` RouteInfo[] / `route(target)` RouteInfo (path, next
 * hop, hops, cost, latency, reliability, kind), `send(target, payload)` SendResult (path
 * taken, hops, latency, attempts), `reportInvalid(peer, reason)` for other services.
 * Events on the service: `message` (RoutedMessage for this node), `peer:health`,
 * `route:changed`; in node.events: 'mesh' `peer:health`, `peer:invalid-message`;
 * 'routes' `route:changed`, `message:received`.
 */
export * from './routing.ts'
export { createLinkMonitor, PROBE_PROTOCOL } from './link-monitor.ts'
export type { LinkMonitor, LinkMonitorInit, PeerLinkInfo, PeerHealth, PeerHealthChange, PeerStatus } from './link-monitor.ts'
export { healthScore, healthComponents, linkCost, HEALTH_WEIGHTS } from './health.ts'
export type { HealthComponents, HealthInputs, LinkQuality } from './health.ts'
export { TopologyGraph } from './topology.ts'
export { RouteTable } from './route-table.ts'
export type { RouteInfo, RouteKind } from './route-table.ts'
export type { ReachInfo, BeaconRecord, GraphLink } from './topology.ts'
export { gossipCost, zoneSize } from './cost-model.ts'
export type { GossipCost, GossipCostParams } from './cost-model.ts'

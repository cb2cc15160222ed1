/**
 * Connection tracking for IPv4 (TCP, UDP, ICMP echo), shared by routers (NAT) and, later, security groups
 * (stateful per-port ACLs): {@link io.jvs.core.conntrack.Conntrack} is the table, {@link
 * io.jvs.core.conntrack.PacketTuple} the per-packet parse, {@link io.jvs.core.conntrack.TcpTracker} the TCP state
 * machine, {@link io.jvs.core.conntrack.NatRewriter} the checksum-preserving rewrite to a connection's translation.
 *
 * <p><b>Threading decision: one writer per table, lock-free readers.</b> Each table has an owner thread, the only one
 * that creates, tracks (advances state and timers), expires or flushes connections; per packet it does this without
 * locks, fences or allocation. Other threads may look up ({@code lookupConcurrent}) and list ({@code forEach})
 * lock-free: structural changes (insert, delete) make a version counter odd while they run and readers retry when it
 * moved, as the MAC table does. We chose this over a table per forwarding thread because the two directions of a
 * connection may be received by different threads (their ports belong to different reactor threads), and one table
 * must see both; and over a locked shared table because per-packet state updates would then contend.
 *
 * <p>Consequence for the datapath: the packets of one zone that need conntrack must be processed on that zone's
 * owner thread (for a router: all its ports' traffic goes through the router's owner thread, handed over through a
 * bounded queue when it arrives elsewhere). Users with different owner threads use different tables; users on the
 * same thread (a router and the security groups of its ports) may share one table and keep their entries apart by
 * zone. Zones are opaque ints; pick disjoint ranges for router ids and port ids.
 */
package io.jvs.core.conntrack;

package io.jvs.core.conntrack;

import static io.jvs.core.conntrack.Conntrack.ORIGINAL;
import static io.jvs.core.conntrack.Conntrack.REPLY;
import static io.jvs.core.packet.TcpHeader.ACK;
import static io.jvs.core.packet.TcpHeader.FIN;
import static io.jvs.core.packet.TcpHeader.PSH;
import static io.jvs.core.packet.TcpHeader.RST;
import static io.jvs.core.packet.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TcpTrackerTest {
    private int word = CtState.TCP_SYN_SENT;

    private int step(int dir, int flags) {
        final int next = TcpTracker.next(word, dir, flags);
        if (next != TcpTracker.INVALID) {
            word = next;
        }
        return next == TcpTracker.INVALID ? TcpTracker.INVALID : TcpTracker.state(next);
    }

    private void handshake() {
        assertEquals(CtState.TCP_SYN_RECV, step(REPLY, SYN | ACK));
        assertEquals(CtState.TCP_ESTABLISHED, step(ORIGINAL, ACK));
    }

    @Test
    void shouldOpenOnlyOnALoneSyn() {
        assertTrue(TcpTracker.canOpen(SYN));
        assertFalse(TcpTracker.canOpen(SYN | ACK));
        assertFalse(TcpTracker.canOpen(ACK));
        assertFalse(TcpTracker.canOpen(SYN | RST));
        assertFalse(TcpTracker.canOpen(SYN | FIN));
    }

    @Test
    void shouldEstablishAfterTheThreeWayHandshake() {
        assertEquals(CtState.TCP_SYN_SENT, step(ORIGINAL, SYN)); // retransmitted SYN
        handshake();
        assertEquals(CtState.TCP_ESTABLISHED, step(REPLY, ACK | PSH));
    }

    @Test
    void shouldRejectDataBeforeTheSynAck() {
        assertEquals(TcpTracker.INVALID, step(ORIGINAL, ACK));
        assertEquals(TcpTracker.INVALID, step(REPLY, ACK));
        assertEquals(CtState.TCP_SYN_SENT, TcpTracker.state(word));
    }

    @Test
    void shouldRejectASynInsideAnOpenConnection() {
        handshake();
        assertEquals(TcpTracker.INVALID, step(REPLY, SYN | ACK));
    }

    @Test
    void shouldGoThroughFinWaitClosingAndTimeWait() {
        handshake();
        assertEquals(CtState.TCP_FIN_WAIT, step(ORIGINAL, FIN | ACK));
        assertEquals(CtState.TCP_FIN_WAIT, step(REPLY, ACK)); // ACK of the first FIN
        assertEquals(CtState.TCP_CLOSING, step(REPLY, FIN | ACK));
        assertEquals(CtState.TCP_CLOSING, step(REPLY, FIN | ACK)); // retransmitted FIN
        assertEquals(CtState.TCP_CLOSING, step(REPLY, ACK)); // not the last ACK: wrong side
        assertEquals(CtState.TCP_TIME_WAIT, step(ORIGINAL, ACK));
    }

    @Test
    void shouldCloseWhenTheReplySideClosesFirst() {
        handshake();
        assertEquals(CtState.TCP_FIN_WAIT, step(REPLY, FIN | ACK));
        assertEquals(CtState.TCP_CLOSING, step(ORIGINAL, FIN | ACK));
        assertEquals(CtState.TCP_TIME_WAIT, step(REPLY, ACK));
    }

    @Test
    void shouldCloseOnRstInAnyState() {
        assertEquals(CtState.TCP_CLOSED, step(REPLY, RST | ACK));
        word = CtState.TCP_SYN_SENT;
        handshake();
        assertEquals(CtState.TCP_CLOSED, step(ORIGINAL, RST));
    }

    @Test
    void shouldReopenAClosedTupleOnANewSyn() {
        handshake();
        step(ORIGINAL, RST);
        assertEquals(CtState.TCP_CLOSED, step(REPLY, ACK), "late packets are absorbed");
        assertEquals(CtState.TCP_SYN_SENT, step(ORIGINAL, SYN));
        handshake();
    }
}

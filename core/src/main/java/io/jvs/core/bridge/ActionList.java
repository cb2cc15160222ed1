package io.jvs.core.bridge;

/**
 * What forwarding one frame does, compiled: the sources to learn (one per bridge the frame crosses), the patch ports
 * it crosses (for their counters), the drops to count, and the outputs with the VLAN each puts on the wire. The slow
 * path records it while it decides; the flow cache keeps a copy and replays it for the next frames with the same
 * key. Everything that depends on the frame beyond its key (lengths, offloads) is applied at replay time.
 */
public final class ActionList {
    private final int maxOutputs;

    int learnCount;
    final Bridge[] learnBridge = new Bridge[Forwarder.MAX_PATCH_DEPTH + 1];
    final int[] learnVlan = new int[Forwarder.MAX_PATCH_DEPTH + 1];
    final int[] learnPort = new int[Forwarder.MAX_PATCH_DEPTH + 1];

    int patchCount;
    final PatchPort[] patchOut = new PatchPort[4 * (Forwarder.MAX_PATCH_DEPTH + 1)];
    final boolean[] patchTagged = new boolean[patchOut.length];

    int dropCount;
    final BridgePort[] dropPort = new BridgePort[8];
    final DropReason[] dropReason = new DropReason[8];

    int outCount;
    final BridgePort[] outPorts;
    final int[] outWireVid;

    /** Something did not fit the arrays: the list is complete for this frame but must not be cached. */
    boolean overflow;

    public ActionList(int maxOutputs) {
        this.maxOutputs = maxOutputs;
        this.outPorts = new BridgePort[maxOutputs];
        this.outWireVid = new int[maxOutputs];
    }

    void clear() {
        for (int i = 0; i < outCount; i++) {
            outPorts[i] = null;
        }
        for (int i = 0; i < patchCount; i++) {
            patchOut[i] = null;
        }
        for (int i = 0; i < dropCount; i++) {
            dropPort[i] = null;
        }
        for (int i = 0; i < learnCount; i++) {
            learnBridge[i] = null;
        }
        learnCount = 0;
        patchCount = 0;
        dropCount = 0;
        outCount = 0;
        overflow = false;
    }

    void learn(Bridge bridge, int vlan, int portNumber) {
        if (learnCount == learnBridge.length) {
            overflow = true;
            return;
        }
        learnBridge[learnCount] = bridge;
        learnVlan[learnCount] = vlan;
        learnPort[learnCount] = portNumber;
        learnCount++;
    }

    void patch(PatchPort out, boolean tagged) {
        if (patchCount == patchOut.length) {
            overflow = true;
            return;
        }
        patchOut[patchCount] = out;
        patchTagged[patchCount] = tagged;
        patchCount++;
    }

    void drop(BridgePort port, DropReason reason) {
        if (dropCount == dropPort.length) {
            overflow = true;
            return;
        }
        dropPort[dropCount] = port;
        dropReason[dropCount] = reason;
        dropCount++;
    }

    /** Returns false when the output list is full. */
    boolean output(BridgePort port, int wireVid) {
        if (outCount == maxOutputs) {
            overflow = true;
            return false;
        }
        outPorts[outCount] = port;
        outWireVid[outCount] = wireVid;
        outCount++;
        return true;
    }

    /** Copies {@code from} into this list; false (and this list left empty) if it does not fit. */
    boolean copyFrom(ActionList from) {
        clear();
        if (from.overflow || from.outCount > maxOutputs) {
            return false;
        }
        learnCount = from.learnCount;
        System.arraycopy(from.learnBridge, 0, learnBridge, 0, learnCount);
        System.arraycopy(from.learnVlan, 0, learnVlan, 0, learnCount);
        System.arraycopy(from.learnPort, 0, learnPort, 0, learnCount);
        patchCount = from.patchCount;
        System.arraycopy(from.patchOut, 0, patchOut, 0, patchCount);
        System.arraycopy(from.patchTagged, 0, patchTagged, 0, patchCount);
        dropCount = from.dropCount;
        System.arraycopy(from.dropPort, 0, dropPort, 0, dropCount);
        System.arraycopy(from.dropReason, 0, dropReason, 0, dropCount);
        outCount = from.outCount;
        System.arraycopy(from.outPorts, 0, outPorts, 0, outCount);
        System.arraycopy(from.outWireVid, 0, outWireVid, 0, outCount);
        return true;
    }
}

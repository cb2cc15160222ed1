package io.jvs.datapath.tunnel;

/** The encapsulations a tunnel port can use. */
public enum TunnelKind {
    GRE("gre"),
    VXLAN("vxlan");

    private final String type;

    TunnelKind(String type) {
        this.type = type;
    }

    /** The port type as the CLI and {@code show} spell it. */
    public String type() {
        return type;
    }

    public static TunnelKind ofType(String type) {
        for (TunnelKind k : values()) {
            if (k.type.equals(type)) {
                return k;
            }
        }
        return null;
    }
}

package io.jvs.datapath.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code jvs} command line: sends one command to the daemon over its control socket and prints the answer.
 * Exit status 0 on success; 1 when the daemon refused the command (one line on stderr); 2 when there is no daemon
 * to ask or the command line itself is wrong.
 */
public final class Cli {
    static final String USAGE = """
            usage: jvs [--rundir DIR] COMMAND [ARG...]
              add-br BR                      del-br BR
              add-port BR PORT [type=system|internal|tap|patch] [tag=VLAN] [trunks=V1,V2,...]
                               [netns=NS] [mac=MAC] [options:peer=PORT]
              add-port BR PORT type=gre|vxlan options:remote_ip=IP [options:local_ip=IP]
                               [options:key=N|flow] [options:csum=true] [options:seq=true] [options:dst_port=N]
              add-vlan-map BR VLAN KEY       del-vlan-map BR VLAN
              del-port [BR] PORT             set port PORT tag=VLAN|trunks=V1,V2,...
              list-br                        list-ports BR
              show                           dump-ports BR
              fdb/show BR                    fdb/flush [BR]
              dpctl/show                     reactor threads, their ports and flow caches
              vlog/list                      log components and their levels
              vlog/set [COMPONENT] LEVEL     LEVEL: error, warn, info, debug, off (all components if none named)
              metrics/show                   the Prometheus endpoint's URL, or off
              add-router R                   del-router R
              add-port BR PORT type=router options:router=R options:ip=CIDR [tag=VLAN] [mac=MAC]
              router/add-route R PREFIX NEXTHOP              router/del-route R PREFIX
              router/set-gateway R PORT NEXTHOP              (default route; SNAT to PORT's address)
              router/add-fip R FLOATING_IP INTERNAL_IP       router/del-fip R FLOATING_IP
              router/show R                  ct/show [R]                    ct/flush [R]
              capture PORT [-w FILE.pcap] [-c COUNT] [--in|--out]
                                             what the port receives and sends, to a pcap file or stdout
              acl/add PORT ingress|egress [ethertype=ipv4|ipv6] [proto=tcp|udp|icmp|NUMBER] [port=MIN[-MAX]]
                           [icmp_type=T] [remote=CIDR] [id=NAME]
              acl/del PORT ID                acl/show PORT
              set port PORT security=on|off  set port PORT allowed=MAC,IP[,IP...]
            other forms: jvs daemon [--rundir DIR] [--db FILE] [--threads N] [--busy-poll-us N]
                                    [--metrics ADDR:PORT|PORT|off]
                         jvs install [--root DIR] | jvs uninstall [--root DIR] [--purge]
                         jvs replay --db CONF.json --in PORT=FILE.pcap [--in ...] --out DIR
                         jvs demo | jvs test | jvs bench
            the control socket is DIR/jvs.sock; DIR is --rundir, else $JVS_RUNDIR, else /run/jvs
            """;

    private Cli() {
    }

    /** Sends one command and returns the daemon's raw reply (OK or ERROR, then the text). */
    static String request(Path socket, List<String> argv) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.wrap(String.join("\0", argv).getBytes(StandardCharsets.UTF_8));
            while (request.hasRemaining()) {
                ch.write(request);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            while (ch.read(buf) >= 0) {
                bytes.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path rundir = Daemon.defaultRundir();
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("--")) {
            String a = args.get(i);
            if (a.equals("--rundir") && i + 1 < args.size()) {
                rundir = Path.of(args.get(i + 1));
                i += 2;
            } else if (a.startsWith("--rundir=")) {
                rundir = Path.of(a.substring("--rundir=".length()));
                i++;
            } else if (a.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else {
                err.println("jvs: unknown option " + a + " (try: jvs help)");
                return 2;
            }
        }
        List<String> argv = args.subList(i, args.size());
        if (argv.isEmpty() || argv.get(0).equals("help")) {
            (argv.isEmpty() ? err : out).print(USAGE);
            return argv.isEmpty() ? 2 : 0;
        }
        Path socket = rundir.resolve(ControlServer.SOCKET_NAME);
        if (!Files.exists(socket)) {
            err.println("jvs: no daemon running (no control socket at " + socket + ")");
            return 2;
        }
        if (argv.get(0).equals("capture")) {
            return CaptureCli.run(socket, argv.subList(1, argv.size()), out, err);
        }
        String reply;
        try {
            reply = request(socket, argv);
        } catch (IOException e) {
            err.println("jvs: no daemon running (cannot talk to " + socket + ": " + e.getMessage() + ")");
            return 2;
        }
        if (reply.startsWith(ControlServer.OK)) {
            out.print(reply.substring(ControlServer.OK.length()));
            return 0;
        }
        if (reply.startsWith(ControlServer.ERROR)) {
            err.println("jvs: " + reply.substring(ControlServer.ERROR.length()).strip());
            return 1;
        }
        err.println("jvs: the daemon sent no answer");
        return 2;
    }
}

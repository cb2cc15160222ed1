package io.jvs.datapath.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.jvs.datapath.Datapath;
import io.jvs.datapath.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The metrics endpoint: {@code GET /metrics} in the Prometheus text format, over Netty's HTTP/1.1 codec on one event
 * loop thread of its own ({@code jvs-metrics}), never on a reactor thread. Building the text runs on the control
 * thread, which owns the datapath's maps (as every CLI command does), so a scrape sees the same state
 * {@code dump-ports} would. The bound address goes to RUNDIR/{@value #ADDRESS_FILE} (one line, {@code HOST:PORT}),
 * which is how a caller that asked for port 0 learns the port; {@code jvs metrics/show} prints it too.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String ADDRESS_FILE = "metrics.addr";
    /** Scrapers connected at once; more are closed at accept. Prometheus needs one. */
    static final int MAX_CONNECTIONS = 16;
    /** A connection idle this long is closed (slow or stuck clients cannot pin resources). */
    static final int IDLE_SECONDS = 60;

    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private final Path addressFile;
    private final String url;

    private MetricsServer(MultiThreadIoEventLoopGroup group, Channel channel, Path addressFile) {
        this.group = group;
        this.channel = channel;
        this.addressFile = addressFile;
        this.url = "http://" + MetricsAddress.format((InetSocketAddress) channel.localAddress()) + "/metrics";
    }

    /**
     * Starts the endpoint as {@code --metrics} asked. Returns null when it is off, or when the default address
     * cannot be bound (e.g. another daemon on this host has the port, or loopback is down in this namespace): that
     * only warns, since a switch should not refuse to forward over its statistics. An address given explicitly that
     * cannot be bound fails the start (IOException with one line).
     */
    public static MetricsServer start(MetricsAddress address, Path rundir, ExecutorService control, Datapath datapath)
            throws IOException {
        Path addressFile = rundir.resolve(ADDRESS_FILE);
        Files.deleteIfExists(addressFile); // a previous daemon's; its port may be someone else's now
        if (address.off()) {
            Log.info("metrics", "metrics endpoint off");
            return null;
        }
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("jvs-metrics", true), NioIoHandler.newFactory());
        AtomicInteger connections = new AtomicInteger();
        Channel channel;
        try {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                                connections.decrementAndGet();
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> connections.decrementAndGet());
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS))
                                    .addLast(new HttpServerCodec(4096, 8192, 8192))
                                    .addLast(new HttpObjectAggregator(8192))
                                    .addLast(new MetricsHandler(control, () -> render(datapath)));
                        }
                    })
                    .bind(address.address()).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            String why = "cannot serve metrics on " + MetricsAddress.format(address.address()) + ": " + e;
            if (address.explicit()) {
                throw new IOException(why, e);
            }
            Log.warn("metrics", why + " (the default address; give --metrics ADDR:PORT or --metrics off)");
            return null;
        }
        MetricsServer server = new MetricsServer(group, channel, addressFile);
        try {
            Path tmp = rundir.resolve(ADDRESS_FILE + ".tmp");
            Files.writeString(tmp, MetricsAddress.format((InetSocketAddress) channel.localAddress()) + "\n",
                    StandardCharsets.UTF_8);
            Files.move(tmp, addressFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot write " + addressFile + ": " + e.getMessage(), e);
        }
        if (!address.loopback()) {
            Log.warn("metrics", "metrics served beyond loopback on " + server.url()
                    + " (no authentication: anyone who reaches it reads the switch's counters)");
        }
        Log.info("metrics", "metrics on " + server.url());
        return server;
    }

    /** The whole exposition; control thread. */
    static String render(Datapath datapath) {
        PrometheusText out = new PrometheusText();
        SwitchMetrics.write(out, datapath);
        JvmMetrics.write(out);
        return out.toString();
    }

    public String url() {
        return url;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(addressFile);
        } catch (IOException ignored) {
            // a stale file is replaced by the next daemon
        }
    }
}

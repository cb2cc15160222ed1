package io.jvs.datapath.control;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.jvs.datapath.Datapath;
import io.jvs.datapath.Log;
import io.jvs.datapath.metrics.MetricsAddress;
import io.jvs.datapath.metrics.MetricsServer;

/**
 * {@code jvs daemon}: runs the switch in the foreground until SIGTERM or SIGINT.
 *
 * <p>Settings (each with its default and trade-off):
 * <ul>
 * <li>{@code --rundir DIR} (env JVS_RUNDIR, default /run/jvs): where the control socket lives; one daemon per rundir.
 * <li>{@code --db FILE} (default /var/lib/jvs/conf.json): the configuration, restored at start and rewritten
 * atomically on every change.
 * <li>{@code --threads N} (default: one per core): reactor threads. More threads spread ports over more cores; on a
 * machine whose cores also run the endpoints (a lab host), fewer threads leave them room.
 * <li>{@code --busy-poll-us N} (default 0): after an I/O event a reactor thread keeps polling this long before it
 * sleeps in epoll_wait. Saves the wake-up of a sleeping thread while traffic flows, at the price of that thread
 * spinning meanwhile; on a small host whose cores also run the endpoints the spinning costs more than it saves.
 * <li>{@code --metrics ADDR:PORT|PORT|off} (default 127.0.0.1:9477): the Prometheus endpoint (see
 * {@link MetricsAddress}). Loopback unless an address is given; off saves a thread and a port.
 * </ul>
 */
public final class Daemon {
    public static final Path DEFAULT_DB = Path.of("/var/lib/jvs/conf.json");
    // Netty logs through java.util.logging; its start-up warnings (e.g. "no network interfaces" when the daemon runs
    // in a namespace whose loopback is down) are noise for a switch that never uses Netty's sockets. Held strongly:
    // JUL keeps loggers only weakly, and a collected logger would forget its level.
    private static final java.util.logging.Logger NETTY_LOG = java.util.logging.Logger.getLogger("io.netty");

    private Daemon() {
    }

    public static Path defaultRundir() {
        String env = System.getenv("JVS_RUNDIR");
        return Path.of(env == null || env.isBlank() ? "/run/jvs" : env);
    }

    public static int run(List<String> args) {
        Path rundir = defaultRundir();
        Path dbFile = DEFAULT_DB;
        int threads = Runtime.getRuntime().availableProcessors();
        int busyPollUs = io.jvs.datapath.reactor.Reactor.DEFAULT_BUSY_POLL_US;
        MetricsAddress metrics = MetricsAddress.DEFAULT;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = i + 1 < args.size() ? args.get(i + 1) : null;
            switch (a) {
                case "--rundir" -> rundir = Path.of(require(a, value));
                case "--db" -> dbFile = Path.of(require(a, value));
                case "--threads" -> {
                    try {
                        threads = Integer.parseInt(require(a, value));
                    } catch (NumberFormatException e) {
                        System.err.println("jvs daemon: --threads " + value + " is not a number");
                        return 2;
                    }
                    if (threads < 1 || threads > 64) {
                        System.err.println("jvs daemon: --threads " + threads + " out of range 1..64");
                        return 2;
                    }
                }
                case "--busy-poll-us" -> {
                    try {
                        busyPollUs = Integer.parseInt(require(a, value));
                    } catch (NumberFormatException e) {
                        System.err.println("jvs daemon: --busy-poll-us " + value + " is not a number");
                        return 2;
                    }
                    if (busyPollUs < 0 || busyPollUs > 10_000) {
                        System.err.println("jvs daemon: --busy-poll-us " + busyPollUs + " out of range 0..10000");
                        return 2;
                    }
                }
                case "--metrics" -> metrics = MetricsAddress.parse(require(a, value));
                default -> {
                    System.err.println("jvs daemon: unknown option " + a + " (usage: jvs daemon [--rundir DIR]"
                            + " [--db FILE] [--threads N] [--busy-poll-us N] [--metrics ADDR:PORT|off])");
                    return 2;
                }
            }
            i++;
        }
        NETTY_LOG.setLevel(java.util.logging.Level.SEVERE);
        io.jvs.datapath.JulToLog.install();
        ConfigDb db = new ConfigDb(dbFile);
        SwitchConfig config;
        try {
            config = db.load();
        } catch (IOException e) {
            System.err.println("jvs daemon: " + e.getMessage());
            return 1;
        }
        ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("jvs-control").daemon(true).unstarted(r));
        Datapath datapath = new Datapath(threads, busyPollUs);
        Controller controller = new Controller(datapath, db, config);
        ControlServer server = null;
        MetricsServer metricsServer;
        // Set once the endpoint listens: after the control socket, which is what finds another daemon on this rundir.
        AtomicReference<String> metricsUrl = new AtomicReference<>();
        try {
            control.submit(controller::restore).get();
            server = new ControlServer(rundir, control, new DaemonCommands(controller, metricsUrl::get));
            metricsServer = MetricsServer.start(metrics, rundir, control, datapath);
            metricsUrl.set(metricsServer == null ? null : metricsServer.url());
        } catch (Exception e) {
            System.err.println("jvs daemon: " + (e instanceof IOException ? e.getMessage() : e.toString()));
            if (server != null) {
                server.close();
            }
            datapath.close();
            return 1;
        }
        control.scheduleWithFixedDelay(() -> {
            try {
                datapath.reviveDownPorts();
            } catch (Throwable t) {
                Log.error("control", "port monitor failed", t);
            }
        }, 1, 1, TimeUnit.SECONDS);

        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jvs-shutdown").unstarted(() -> {
            stopped.countDown();
            try {
                cleanedUp.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
        server.start();
        Log.info("daemon", "jvs running: " + threads + " reactor threads (busy poll " + busyPollUs + " us), control socket "
                + server.socketPath()
                + ", db " + dbFile);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Log.info("daemon", "stopping (internal ports' netdevs stay for the next daemon)");
        server.close();
        if (metricsServer != null) {
            metricsServer.close();
        }
        try {
            control.submit(datapath::close).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.error("daemon", "clean shutdown failed", e);
        }
        control.shutdownNow();
        cleanedUp.countDown();
        return 0;
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException("jvs daemon: " + option + " needs a value");
        }
        return value;
    }
}

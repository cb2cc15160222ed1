package io.jvs.datapath.metrics;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;

/** The daemon JVM's own families: heap and non-heap memory, direct and mapped buffers, GC, threads, fds. */
final class JvmMetrics {
    private JvmMetrics() {
    }

    static void write(PrometheusText out) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = memory.getHeapMemoryUsage();
        MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
        out.family("jvs_jvm_memory_used_bytes", "gauge", "JVM memory in use, heap and non-heap.");
        out.sample("jvs_jvm_memory_used_bytes", heap.getUsed(), "area", "heap");
        out.sample("jvs_jvm_memory_used_bytes", nonHeap.getUsed(), "area", "nonheap");
        out.family("jvs_jvm_memory_committed_bytes", "gauge", "JVM memory committed by the OS, heap and non-heap.");
        out.sample("jvs_jvm_memory_committed_bytes", heap.getCommitted(), "area", "heap");
        out.sample("jvs_jvm_memory_committed_bytes", nonHeap.getCommitted(), "area", "nonheap");
        out.family("jvs_jvm_memory_max_bytes", "gauge", "The heap's limit (-Xmx).");
        out.sample("jvs_jvm_memory_max_bytes", heap.getMax(), "area", "heap");

        var pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        out.family("jvs_jvm_buffer_pool_used_bytes", "gauge",
                "Memory used by NIO buffers outside the heap (direct: receive slots and sockets' buffers).");
        for (BufferPoolMXBean p : pools) {
            out.sample("jvs_jvm_buffer_pool_used_bytes", p.getMemoryUsed(), "pool", p.getName());
        }
        out.family("jvs_jvm_buffer_pool_capacity_bytes", "gauge", "Total capacity of the NIO buffers in the pool.");
        for (BufferPoolMXBean p : pools) {
            out.sample("jvs_jvm_buffer_pool_capacity_bytes", p.getTotalCapacity(), "pool", p.getName());
        }
        out.family("jvs_jvm_buffer_pool_buffers", "gauge", "NIO buffers in the pool.");
        for (BufferPoolMXBean p : pools) {
            out.sample("jvs_jvm_buffer_pool_buffers", p.getCount(), "pool", p.getName());
        }

        var gcs = ManagementFactory.getGarbageCollectorMXBeans();
        out.family("jvs_jvm_gc_collections_total", "counter", "Garbage collections, by collector.");
        for (GarbageCollectorMXBean gc : gcs) {
            out.sample("jvs_jvm_gc_collections_total", Math.max(0, gc.getCollectionCount()), "gc", gc.getName());
        }
        out.family("jvs_jvm_gc_seconds_total", "counter", "Time spent in garbage collection, by collector.");
        for (GarbageCollectorMXBean gc : gcs) {
            out.sample("jvs_jvm_gc_seconds_total", Math.max(0, gc.getCollectionTime()) / 1000.0, "gc", gc.getName());
        }
        out.family("jvs_jvm_threads", "gauge", "Live JVM threads.");
        out.sample("jvs_jvm_threads", ManagementFactory.getThreadMXBean().getThreadCount());

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            out.family("jvs_process_open_fds", "gauge", "Open file descriptors of the daemon.");
            out.sample("jvs_process_open_fds", unix.getOpenFileDescriptorCount());
        }
        out.family("jvs_process_start_time_seconds", "gauge", "When the daemon started, seconds since the epoch.");
        out.sample("jvs_process_start_time_seconds", ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
    }
}

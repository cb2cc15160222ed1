package io.jvs.datapath; public final class Main { public static void main(String[] a) {} }

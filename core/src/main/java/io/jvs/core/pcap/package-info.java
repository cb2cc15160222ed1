/**
 * The classic libpcap file format, read and written over streams (the caller opens the files): what the offline
 * replay takes in and puts out, and what tshark, tcpdump and Wireshark open. pcapng is not handled.
 */
package io.jvs.core.pcap;

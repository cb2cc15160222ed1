/**
 * Flyweight accessors for the packet headers the switch parses and rewrites, the Internet checksum, and the
 * software fallbacks for the offloads that Linux hands us through the virtio-net header (checksum completion and
 * GSO segmentation).
 *
 * <p>Every accessor is a static method over an Agrona buffer and the offset of the header inside it. Nothing here
 * allocates per packet and nothing does I/O, so the whole package can be driven by unit tests and fuzzers. Wire
 * fields are big-endian (network order) except the virtio-net header, which is little-endian; every read and write
 * names its byte order explicitly rather than relying on the buffer's default.
 */
package io.jvs.core.packet;

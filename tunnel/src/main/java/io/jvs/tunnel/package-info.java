/**
 * GRE (RFC 2784/2890) and VXLAN (RFC 7348) encapsulation and the tunnel port. Empty until the tunnel issue lands:
 * the module exists now so the dependency graph (core <- tunnel <- datapath) is fixed from the start.
 */
package io.jvs.tunnel;

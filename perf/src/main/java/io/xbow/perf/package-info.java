/**
 * JMH benchmarks, built into {@code perf/target/benchmarks.jar}, and the forwarding demo of the quick start.
 * ReflectorDevice lets a switch forward forever without allocating: each port sends back what it receives.
 */
package io.xbow.perf;

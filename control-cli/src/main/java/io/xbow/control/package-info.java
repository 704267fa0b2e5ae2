/**
 * The control plane: the daemon, its API and the command-line tools. Dependencies point one way, down this list:
 * <pre>
 *   XbowMain            the one launcher: xbow dladm|xl|capture|daemon|completion
 *   daemon              xbowd: wires the link model, the hypervisor, the API and the in-daemon command lines
 *   cli                 dladm, xl and capture as commands over an api.Backend; InDaemonCli runs them in xbowd
 *   api                 HTTP over the Unix socket and TCP (server, client, Backend, CommandLines); no cli code
 *   capture, metrics    capture streams and files, Prometheus meters
 *   service, store      the command sets over the link model and domains; the configuration file
 * </pre>
 * {@code api} knows command lines only as {@link io.xbow.control.api.CommandLines}, which the daemon fills with
 * {@code cli.InDaemonCli}: so the API carries command lines without depending on the code that parses them.
 */
package io.xbow.control;

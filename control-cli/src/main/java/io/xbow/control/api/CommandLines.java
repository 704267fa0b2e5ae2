package io.xbow.control.api;

import java.util.concurrent.CompletableFuture;

/**
 * Whole command lines run in the daemon for the native client ({@code POST /v1/cli/{xl|dladm}}). The API only
 * carries them; what runs them ({@code io.xbow.control.cli.InDaemonCli}) is wired in by the daemon, so that this
 * package depends on no command-line code.
 */
public interface CommandLines extends AutoCloseable
{
    /**
     * What a command line printed and its exit status; or, with {@code runInClient} set, why the client must run
     * it itself.
     */
    record Result(int exitStatus, byte[] out, byte[] err, String runInClient)
    {
    }

    /**
     * @param program {@code xl} or {@code dladm}.
     * @param body    the working directory and the arguments, each NUL-terminated.
     * @param peerUid the client's user id, or -1 when it could not be read (which matches no user).
     * @return completes with the result; cancelling it (the client went away) stops the command line.
     */
    CompletableFuture<Result> run(String program, byte[] body, int peerUid);

    @Override
    void close();
}

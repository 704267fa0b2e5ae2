package io.xbow.control.service;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A command set as the API serves it: a command name and a JSON object of arguments in, a {@link Table} (for show
 * commands) or null (for changes) out.
 */
public interface CommandApi
{
    /**
     * @param command the subcommand, for example {@code create-vnic}.
     * @param args    its arguments by name.
     * @return rows, or null for a change.
     * @throws IllegalArgumentException for an unknown command or a bad argument.
     */
    Table call(String command, Map<String, Object> args);

    /**
     * The same, for commands that take a while (a ping): the API answers when the future completes.
     *
     * @param command the subcommand.
     * @param args    its arguments.
     * @return completes with the rows, or null for a change.
     */
    default CompletableFuture<Table> callAsync(final String command, final Map<String, Object> args)
    {
        return CompletableFuture.completedFuture(call(command, args));
    }
}

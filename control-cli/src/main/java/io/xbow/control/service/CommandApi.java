package io.xbow.control.service;

import java.util.Map;

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
}

package io.xbow.control.api;

import io.xbow.control.service.Table;

import java.util.Map;

/**
 * Where the commands send their requests: the daemon over its socket, or an in-process API in tests.
 */
public interface Backend
{
    /**
     * @param command a dladm subcommand.
     * @param args    its arguments.
     * @return rows for a show command, or null.
     * @throws CommandFailure with the message to print and the exit status.
     */
    Table call(String command, Map<String, Object> args);
}

package io.xbow.control.cli;

import picocli.CommandLine;

/**
 * How every command line of ours is read: picocli, clustered short options as the tools we stand in for take them
 * ({@code -nne}, {@code -c10}), and no {@code @FILE} expansion (the daemon runs command lines for its clients: no
 * argument may make it read a file).
 */
final class Picocli
{
    private Picocli()
    {
    }

    /**
     * @param spec             an annotated arguments object, filled in.
     * @param argv             the arguments.
     * @param stopAtPositional true to take everything from the first word on as words (a command to run).
     * @return {@code spec}.
     * @throws CommandLine.ParameterException saying what is wrong.
     */
    static <T> T parse(final T spec, final String[] argv, final boolean stopAtPositional)
    {
        final CommandLine cli = new CommandLine(spec);
        cli.setExpandAtFiles(false);
        cli.setPosixClusteredShortOptionsAllowed(true);
        cli.setStopAtPositional(stopAtPositional);
        cli.parseArgs(argv);
        return spec;
    }
}

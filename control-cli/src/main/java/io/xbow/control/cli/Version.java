package io.xbow.control.cli;

import picocli.CommandLine;

/**
 * The version, from the jar's manifest.
 */
public final class Version implements CommandLine.IVersionProvider
{
    public static final String VERSION = Version.class.getPackage().getImplementationVersion() == null ?
        "development" : Version.class.getPackage().getImplementationVersion();

    @Override
    public String[] getVersion()
    {
        return new String[]{"xbow " + VERSION};
    }
}

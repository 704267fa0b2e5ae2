package io.xbow.control.capture.file;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs tcpdump and tshark on what we wrote. Without them a developer's run skips with the reason; CI (CI=true),
 * where scripts/setup.sh installs them, fails.
 */
public final class CaptureTools
{
    private CaptureTools()
    {
    }

    public static void require(final String tool)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return;
            }
        }
        final String why = tool + " is not installed (scripts/setup.sh installs tcpdump and tshark as root)";
        if ("true".equals(System.getenv("CI")))
        {
            fail(why);
        }
        Assumptions.abort(why);
    }

    /**
     * @return the tool's standard output as lines; fails the test if it exits with an error.
     */
    public static List<String> run(final String... command) throws IOException, InterruptedException
    {
        require(command[0]);
        final Path errors = Files.createTempFile("capture-tool", ".err");
        try
        {
            final Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            process.getOutputStream().close();
            final byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail(Arrays.toString(command) + " did not finish");
            }
            assertEquals(0, process.exitValue(),
                Arrays.toString(command) + " failed: " + Files.readString(errors, StandardCharsets.UTF_8));
            final List<String> lines = new ArrayList<>();
            for (final String line : new String(out, StandardCharsets.UTF_8).split("\n"))
            {
                if (!line.isEmpty())
                {
                    lines.add(line);
                }
            }
            return lines;
        }
        finally
        {
            Files.deleteIfExists(errors);
        }
    }

    public static List<String> tcpdump(final Path file) throws IOException, InterruptedException
    {
        return run("tcpdump", "-nn", "-e", "-r", file.toString());
    }

    public static List<String> tshark(final Path file, final String... fields) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields",
            "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        return run(command.toArray(new String[0]));
    }
}

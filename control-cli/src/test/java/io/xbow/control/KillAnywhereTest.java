package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real daemon killed with SIGKILL at random points of random dladm command sequences: it always starts again;
 * killed between commands it shows exactly what the last acknowledged one left; killed at a random instant (inside
 * a command, likely, which may have been written but not acknowledged) it still starts.
 */
class KillAnywhereTest
{
    @TempDir
    Path dir;

    private static RandomDladm.Runner through(final ApiClient client, final AtomicBoolean lost)
    {
        return (output, argv) ->
        {
            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final int status = DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv);
            output.append(out).append(err);
            if (err.toString().contains("xbowd"))
            {
                lost.set(true); // no answer: the daemon is gone (the refusal texts never name xbowd)
            }
            return status;
        };
    }

    @Test
    void shouldLoseNothingAcknowledgedWhereverItIsKilled() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(7);
        final RandomDladm commands = new RandomDladm(random.split(), false);
        String expected = null;
        for (int round = 0; round < 8; round++)
        {
            try (DaemonProcess daemon = new DaemonProcess(dir).start(); ApiClient client = daemon.client())
            {
                final AtomicBoolean lost = new AtomicBoolean();
                final RandomDladm.Runner dladm = through(client, lost);
                final String started = RandomDladm.everything(dladm);
                if (expected != null)
                {
                    assertEquals(expected, started, "round " + round + ": what was acknowledged before kill -9");
                }
                if (round % 2 == 0)
                {
                    // Killed between two commands: exactly what the last acknowledged one left comes back.
                    expected = started;
                    for (int i = 1 + random.nextInt(15); i > 0; i--)
                    {
                        if (dladm.dladm(new StringBuilder(), commands.next()) == 0)
                        {
                            expected = RandomDladm.everything(dladm);
                        }
                    }
                    daemon.kill9();
                }
                else
                {
                    // Killed at a random instant, likely inside a command (which may have been written but not
                    // acknowledged): the daemon starts again, whatever the file held at that instant.
                    final Thread killer = new Thread(() ->
                    {
                        try
                        {
                            Thread.sleep(20 + random.nextInt(300));
                            daemon.kill9();
                        }
                        catch (final InterruptedException ignored)
                        {
                            Thread.currentThread().interrupt();
                        }
                    });
                    killer.start();
                    while (!lost.get())
                    {
                        dladm.dladm(new StringBuilder(), commands.next());
                    }
                    killer.join();
                    expected = null;
                }
            }
        }
        assertTrue(Files.exists(dir.resolve("state").resolve("xbow.conf")));
    }
}

package io.xbow.control;

import io.xbow.control.api.ApiClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real xbowd in its own JVM, on a socket and state directory of the test's: killed with SIGKILL or stopped with
 * SIGTERM as a test needs.
 */
final class DaemonProcess implements AutoCloseable
{
    final Path socket;
    final Path state;
    final Path log;
    private Process process;
    private String namespace;

    DaemonProcess(final Path directory)
    {
        this.socket = directory.resolve("xbowd.sock");
        this.state = directory.resolve("state");
        this.log = directory.resolve("xbowd.log");
    }

    /**
     * @param name a network namespace the daemon is to run in (standing for the host), or null.
     * @return this.
     */
    DaemonProcess inNamespace(final String name)
    {
        this.namespace = name;
        return this;
    }

    /** Daemon options besides the socket and the state directory. */
    DaemonProcess options(final String... more)
    {
        options.addAll(List.of(more));
        return this;
    }

    private final List<String> options = new ArrayList<>();

    /** Start and wait until the API answers. */
    DaemonProcess start() throws IOException, InterruptedException
    {
        process = launch();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("xbowd exited: " + Files.readString(log));
            }
            if (Files.exists(socket))
            {
                try (ApiClient client = new ApiClient(socket))
                {
                    client.get("/v1/version");
                    return this;
                }
                catch (final RuntimeException notYet)
                {
                    // keep waiting
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("xbowd did not come up: " + Files.readString(log));
    }

    /** Start and expect it to refuse: returns its exit status; its message is in {@link #log}. */
    int startExpectingFailure() throws IOException, InterruptedException
    {
        process = launch();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("xbowd did not exit");
        }
        return process.exitValue();
    }

    private Process launch() throws IOException
    {
        final List<String> command = new ArrayList<>();
        if (namespace != null)
        {
            command.addAll(List.of("ip", "netns", "exec", namespace));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.xbow.control.XbowMain");
        command.add("--socket");
        command.add(socket.toString());
        command.add("daemon");
        command.add("--state-dir");
        command.add(state.toString());
        command.addAll(options);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    long pid()
    {
        return process.pid();
    }

    void kill9() throws InterruptedException
    {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    int stop() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("xbowd did not stop on SIGTERM");
        }
        return process.exitValue();
    }

    ApiClient client()
    {
        return new ApiClient(socket);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process != null && process.isAlive())
        {
            kill9();
        }
    }
}

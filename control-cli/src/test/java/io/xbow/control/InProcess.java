package io.xbow.control;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.service.RouterApi;
import io.xbow.control.service.RouterService;
import io.xbow.control.service.DladmApi;
import io.xbow.control.service.DladmService;
import io.xbow.control.service.Table;
import io.xbow.control.store.ConfigStore;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vswitch.thread.ManualDatapath;
import org.agrona.concurrent.CachedNanoClock;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * dladm against an in-process service on a manual datapath, with a seeded random source: what the commands print
 * is exactly reproducible, for golden-output tests.
 */
final class InProcess implements AutoCloseable
{
    final ManualDatapath datapath = new ManualDatapath();
    final LinkRegistry registry;
    final DladmService service;
    final DladmApi api;
    final RouterService router;
    final RouterApi routerApi;
    String out;
    String err;

    InProcess(final Path stateDirectory)
    {
        registry = new LinkRegistry(RegistryConfig.defaults().withFramesPerSwitch(256), datapath,
            new CachedNanoClock(), new SplittableRandom(42));
        service = new DladmService(registry, stateDirectory == null ? null : new ConfigStore(stateDirectory));
        api = new DladmApi(service);
        router = new RouterService(registry, stateDirectory == null ? null : ConfigStore.l3(stateDirectory),
            datapath::runUntilIdle);
        routerApi = new RouterApi(router);
    }

    /** Runs one of the router's programs (ipadm, route, routeadm, netstat, arp); keeps stdout and stderr. */
    int l3(final String program, final String... argv)
    {
        final StringWriter stdout = new StringWriter();
        final StringWriter stderr = new StringWriter();
        final Backend backend = (command, args) ->
        {
            try
            {
                final Table table = routerApi.call(command, args);
                datapath.runUntilIdle();
                return table;
            }
            catch (final RuntimeException ex)
            {
                throw new CommandFailure(ex.getMessage(), 1);
            }
        };
        final PrintWriter o = new PrintWriter(stdout);
        final PrintWriter e = new PrintWriter(stderr);
        final int status = io.xbow.control.cli.Programs.runRouterProgram(program, backend, o, e, argv);
        o.flush();
        e.flush();
        out = stdout.toString();
        err = stderr.toString();
        return status;
    }

    /** Runs dladm with the arguments; returns the exit status, keeps stdout and stderr. */
    int dladm(final String... argv)
    {
        final StringWriter stdout = new StringWriter();
        final StringWriter stderr = new StringWriter();
        final Backend backend = (command, args) ->
        {
            try
            {
                final Table table = api.call(command, args);
                datapath.runUntilIdle();
                return table;
            }
            catch (final RuntimeException ex)
            {
                throw new CommandFailure(ex.getMessage(), 1);
            }
        };
        final int status = DladmCommand.run(backend, new PrintWriter(stdout), new PrintWriter(stderr), argv);
        out = stdout.toString();
        err = stderr.toString();
        return status;
    }

    Table call(final String command, final Map<String, Object> args)
    {
        return api.call(command, args);
    }

    @Override
    public void close()
    {
        router.close();
        registry.close();
    }
}

package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ipnat}: the NAT rules of xbow's router, as illumos ipnat(1M) loads and shows them:
 * <pre>
 *   ipnat [-CFnrv] -f FILE|-     load the rules of FILE (- : standard input), or remove them (-r); -n: read only
 *   ipnat -C                     flush the rules;  -F: flush the translations
 *   ipnat -l                     the rules, then the active translations
 *   ipnat -s                     statistics
 * </pre>
 * The file is read by the client, with the client's permissions (the daemon reads one only for its own user).
 * Flushes happen before a load, as ipnat does them.
 */
public final class IpnatCommand
{
    private static final String USAGE = "usage: ipnat [-CFlnrsv] [-f filename|-]";

    private IpnatCommand()
    {
    }

    public static int run(final Backend backend, final XlCommand.ConfigFiles files, final InputStream stdin,
        final PrintWriter out, final PrintWriter err, final String... argv)
    {
        try
        {
            boolean flushRules = false;
            boolean flushTranslations = false;
            boolean list = false;
            boolean parseOnly = false;
            boolean remove = false;
            boolean statistics = false;
            boolean verbose = false;
            String file = null;
            for (int i = 0; i < argv.length; i++)
            {
                final String word = argv[i];
                if (!word.startsWith("-") || word.length() < 2)
                {
                    throw new UsageException("unexpected '" + word + "'");
                }
                for (int c = 1; c < word.length(); c++)
                {
                    switch (word.charAt(c))
                    {
                        case 'C' -> flushRules = true;
                        case 'F' -> flushTranslations = true;
                        case 'l' -> list = true;
                        case 'n' -> parseOnly = true;
                        case 'r' -> remove = true;
                        case 's' -> statistics = true;
                        case 'v' -> verbose = true;
                        case 'f' ->
                        {
                            if (c + 1 < word.length())
                            {
                                file = word.substring(c + 1);
                            }
                            else if (++i < argv.length)
                            {
                                file = argv[i];
                            }
                            else
                            {
                                throw new UsageException("option requires an argument -- f");
                            }
                            c = word.length();
                        }
                        default -> throw new UsageException("illegal option -- " + word.charAt(c));
                    }
                }
            }
            if (!flushRules && !flushTranslations && !list && !statistics && file == null)
            {
                throw new UsageException("nothing to do");
            }
            if ((remove || parseOnly) && file == null)
            {
                throw new UsageException("-r and -n go with -f");
            }
            if (flushRules && !parseOnly)
            {
                final Table flushed = backend.call("ipnat-flush-rules", Map.of());
                out.println(flushed.rows().get(0).get(0) + " entries flushed from NAT list");
            }
            if (flushTranslations && !parseOnly)
            {
                final Table flushed = backend.call("ipnat-flush-translations", Map.of());
                out.println(flushed.rows().get(0).get(0) + " entries flushed from NAT table");
            }
            if (file != null)
            {
                final String text;
                try
                {
                    text = file.equals("-") ? readStandardInput(stdin) : files.read(file);
                }
                catch (final IOException ex)
                {
                    err.println("ipnat: " + file + ": " + ex.getMessage());
                    return 1;
                }
                final Map<String, Object> args = new HashMap<>();
                args.put("text", text);
                args.put("source", file.equals("-") ? "(stdin)" : file);
                args.put("remove", remove);
                args.put("parseOnly", parseOnly);
                final Table rules = backend.call("ipnat-load", args);
                if (verbose || parseOnly && verbose)
                {
                    for (final List<String> rule : rules.rows())
                    {
                        out.println(rule.get(0));
                    }
                }
            }
            if (list)
            {
                final Table listed = backend.call("ipnat-list", Map.of());
                out.println("List of active MAP/Redirect filters:");
                listed.rows().stream().filter(r -> r.get(0).equals("rule")).forEach(r -> out.println(r.get(1)));
                out.println();
                out.println("List of active sessions:");
                listed.rows().stream().filter(r -> r.get(0).equals("session")).forEach(r -> out.println(r.get(1)));
            }
            if (statistics)
            {
                final Map<String, String> v = new LinkedHashMap<>();
                for (final List<String> row : backend.call("ipnat-stats", Map.of()).rows())
                {
                    v.put(row.get(0), row.get(1));
                }
                // ipnat's own lines first, as illumos prints them; then xbow's, a name and a value a line.
                out.println("mapped\tin\t" + v.remove("mapped in") + "\tout\t" + v.remove("mapped out"));
                out.println("added\t" + v.remove("added") + "\texpired\t" + v.remove("expired"));
                out.println("no memory\t" + v.remove("no memory") + "\tbad nat\t0");
                out.println("inuse\t" + v.remove("inuse"));
                out.println("rules\t" + v.remove("rules"));
                v.forEach((name, value) -> out.println(name + "\t" + value));
            }
            return 0;
        }
        catch (final UsageException ex)
        {
            err.println("ipnat: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        catch (final CommandFailure ex)
        {
            err.println(ex.getMessage().startsWith("ipnat:") ? ex.getMessage() : "ipnat: " + ex.getMessage());
            return ex.exitStatus();
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }

    private static String readStandardInput(final InputStream stdin) throws IOException
    {
        if (stdin == null)
        {
            throw new RunInClient("ipnat -f - reads the client's standard input");
        }
        return new String(stdin.readNBytes(1 << 20), StandardCharsets.UTF_8);
    }
}

package io.xbow.control;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random dladm command lines, each one a user could type, some of them refused (a name taken, a link busy): for
 * property tests of persistence. Values include odd but legal forms (spaces after commas, units, upper case).
 */
final class RandomDladm
{
    private static final String[] MAXBW = {"10M", "1500K", "1G", "2.5M", "100", "1000k"};
    private static final String[] PROTECTION = {"mac-nospoof", "ip-nospoof", "mac-nospoof,ip-nospoof", "restricted",
        "dhcp-nospoof,mac-nospoof"};
    private static final String[] IPS = {"10.0.0.1", "10.0.0.1,10.0.0.2", "192.0.2.0/24", "198.51.100.7, 198.51.100.8"};

    private final SplittableRandom random;
    private final boolean temporaries;

    /**
     * @param temporaries whether some command lines carry {@code -t}.
     */
    RandomDladm(final SplittableRandom random, final boolean temporaries)
    {
        this.random = random;
        this.temporaries = temporaries;
    }

    /** Runs {@code count} random command lines; returns those that were acknowledged (exit 0). */
    List<String[]> run(final InProcess x, final int count)
    {
        final List<String[]> acknowledged = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final String[] argv = next();
            if (x.dladm(argv) == 0)
            {
                acknowledged.add(argv);
            }
        }
        return acknowledged;
    }

    /** Where dladm command lines run: exit status, standard output and error together. */
    interface Runner
    {
        int dladm(StringBuilder output, String... argv);
    }

    String[] next()
    {
        final String stub = "stub" + random.nextInt(3);
        final String vnic = "vnic" + random.nextInt(5);
        final boolean temporary = temporaries && random.nextInt(4) == 0;
        final List<String> argv = new ArrayList<>();
        switch (random.nextInt(9))
        {
            case 0 -> argv.addAll(List.of("create-etherstub", stub));
            case 1 -> argv.addAll(List.of("delete-etherstub", stub));
            case 2, 3 ->
            {
                argv.addAll(List.of("create-vnic", "-l", stub));
                if (random.nextBoolean())
                {
                    argv.addAll(List.of("-v", Integer.toString(2 + random.nextInt(4000))));
                }
                if (random.nextBoolean())
                {
                    argv.addAll(List.of("-m", random.nextBoolean() ? "random" :
                        String.format("2:8:20:%x:%x:%x", random.nextInt(256), random.nextInt(256), random.nextInt(256))));
                }
                if (random.nextBoolean())
                {
                    argv.addAll(List.of("-p", "maxbw=" + pick(MAXBW) + ",priority=" +
                        (random.nextBoolean() ? "low" : "medium")));
                }
                argv.add(vnic);
            }
            case 4 -> argv.addAll(List.of("delete-vnic", vnic));
            case 5 -> argv.addAll(List.of("set-linkprop", "-p", random.nextBoolean() ? "maxbw=" + pick(MAXBW) :
                "protection=" + pick(PROTECTION), vnic));
            case 6 -> argv.addAll(List.of("set-linkprop", "-p", "allowed-ips=" + pick(IPS), vnic));
            case 7 -> argv.addAll(List.of("reset-linkprop", "-p", random.nextBoolean() ? "maxbw" : "allowed-ips", vnic));
            default -> argv.addAll(random.nextBoolean() ? List.of("modify-vnic", "-m", "random", vnic) :
                List.of("rename-link", vnic, "vnic" + random.nextInt(5)));
        }
        if (temporary && (argv.get(0).startsWith("create") || argv.get(0).startsWith("set") ||
            argv.get(0).startsWith("reset") || argv.get(0).startsWith("modify") || argv.get(0).startsWith("delete")))
        {
            argv.add(1, "-t");
        }
        return argv.toArray(new String[0]);
    }

    private String pick(final String[] values)
    {
        return values[random.nextInt(values.length)];
    }

    /** Everything the show commands print, in one string. */
    static String everything(final InProcess x)
    {
        return everything((output, argv) ->
        {
            final int status = x.dladm(argv);
            output.append(x.out).append(x.err);
            return status;
        });
    }

    /** Everything the show commands print, in one string. */
    static String everything(final Runner x)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String[] show : new String[][] {{"show-link"}, {"show-vnic"}, {"show-etherstub"},
            {"show-linkprop", "-c", "-o", "link,property,value"}})
        {
            if (x.dladm(sb, show) != 0)
            {
                throw new IllegalStateException("dladm " + String.join(" ", show) + " failed: " + sb);
            }
        }
        return sb.toString();
    }
}

package io.xbow.vnic.link;

/**
 * dladm's rules for link names ({@code dladm_valid_linkname()}): letters, digits and underscores; starting with a
 * letter and ending with a number (the PPA, 0 to 4294967294, without leading zeros); at most 31 characters.
 */
public final class LinkName
{
    public static final int MAX_LENGTH = 31;
    public static final long MAX_PPA = 4294967294L;

    private LinkName()
    {
    }

    /**
     * @param name a candidate link name.
     * @return the name.
     * @throws IllegalArgumentException {@code invalid link name 'x'} with the rule it breaks.
     */
    public static String validate(final String name)
    {
        final String why = problem(name);
        if (why != null)
        {
            throw new IllegalArgumentException("invalid link name '" + name + "': " + why);
        }
        return name;
    }

    /**
     * @param name a candidate link name.
     * @return true if it follows dladm's rules.
     */
    public static boolean isValid(final String name)
    {
        return problem(name) == null;
    }

    private static String problem(final String name)
    {
        if (name == null || name.isEmpty())
        {
            return "empty";
        }
        if (name.length() > MAX_LENGTH)
        {
            return "longer than " + MAX_LENGTH + " characters";
        }
        if (!isLetter(name.charAt(0)))
        {
            return "must start with a letter";
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (!isLetter(c) && !isDigit(c) && c != '_')
            {
                return "only letters, digits and '_' are allowed";
            }
        }
        final int ppaStart = ppaStart(name);
        if (ppaStart == name.length())
        {
            return "must end with a number";
        }
        final String ppa = name.substring(ppaStart);
        if (ppa.length() > 1 && ppa.charAt(0) == '0')
        {
            return "the number at its end must not have leading zeros";
        }
        if (ppa.length() > 10 || Long.parseLong(ppa) > MAX_PPA)
        {
            return "the number at its end must be at most " + MAX_PPA;
        }
        return null;
    }

    /**
     * @param name a valid link name.
     * @return where its trailing number starts.
     */
    public static int ppaStart(final String name)
    {
        int i = name.length();
        while (i > 0 && isDigit(name.charAt(i - 1)))
        {
            i--;
        }
        return i;
    }

    private static boolean isLetter(final char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }
}

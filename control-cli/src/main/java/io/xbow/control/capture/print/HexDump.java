package io.xbow.control.capture.print;

/**
 * tcpdump's dumps of a frame's bytes, as print-ascii.c writes them: {@code -x} (hex, eight groups of two bytes a
 * line, {@code "\n\t0x0000: "}), {@code -X} (hex and ASCII, graphic characters only) and {@code -A} (ASCII, line
 * ends kept, a carriage return before a newline dropped).
 */
final class HexDump
{
    private HexDump()
    {
    }

    static void hex(final StringBuilder sb, final byte[] d, final int from, final int length)
    {
        for (int i = 0; i < length; i += 2)
        {
            if (i % 16 == 0)
            {
                sb.append(String.format("\n\t0x%04x: ", i));
            }
            sb.append(i + 1 < length ? String.format(" %02x%02x", d[from + i] & 0xFF, d[from + i + 1] & 0xFF) :
                String.format(" %02x", d[from + i] & 0xFF));
        }
    }

    static void hexAndAscii(final StringBuilder sb, final byte[] d, final int from, final int length)
    {
        for (int line = 0; line < length; line += 16)
        {
            final StringBuilder hex = new StringBuilder();
            final StringBuilder text = new StringBuilder();
            for (int i = line; i < Math.min(length, line + 16); i += 2)
            {
                final int a = d[from + i] & 0xFF;
                text.append(graphic(a) ? (char)a : '.');
                if (i + 1 < length)
                {
                    final int b = d[from + i + 1] & 0xFF;
                    hex.append(String.format(" %02x%02x", a, b));
                    text.append(graphic(b) ? (char)b : '.');
                }
                else
                {
                    hex.append(String.format(" %02x", a));
                }
            }
            sb.append(String.format("\n\t0x%04x: %-40s  %s", line, hex, text));
        }
    }

    static void ascii(final StringBuilder sb, final byte[] d, final int from, final int length)
    {
        sb.append('\n');
        for (int i = from; i < from + length; i++)
        {
            final int c = d[i] & 0xFF;
            if (c == '\r')
            {
                if (i + 1 == from + length || d[i + 1] != '\n')
                {
                    sb.append('.');
                }
                continue;
            }
            sb.append(graphic(c) || c == '\t' || c == ' ' || c == '\n' ? (char)c : '.');
        }
    }

    private static boolean graphic(final int c)
    {
        return c > 0x20 && c < 0x7F;
    }
}

package io.xbow.control.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The daemon fails closed: it refuses to start rather than delete, share or trust what is not its own.
 */
class DaemonSafetyTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRefuseASocketPathThatIsNotASocketAndLeaveIt() throws Exception
    {
        final Path precious = dir.resolve("precious.txt");
        Files.writeString(precious, "keep me");
        final Xbowd daemon = new Xbowd(precious, dir.resolve("state"), null, null, false, "test");
        final Xbowd.DaemonException refused = assertThrows(Xbowd.DaemonException.class, daemon::start);
        daemon.close();
        assertEquals(precious + " exists and is not a socket; refusing to replace it", refused.getMessage());
        assertEquals("keep me", Files.readString(precious));
    }

    @Test
    void shouldRefuseASecondDaemonOnTheSameStateDirectory() throws Exception
    {
        final Xbowd first = new Xbowd(dir.resolve("a.sock"), dir.resolve("state"), null, null, false, "test");
        first.start();
        try
        {
            final Xbowd second = new Xbowd(dir.resolve("b.sock"), dir.resolve("state"), null, null, false, "test");
            final Xbowd.DaemonException refused = assertThrows(Xbowd.DaemonException.class, second::start);
            second.close();
            assertEquals("state directory " + dir.resolve("state") + " is in use by another xbowd",
                refused.getMessage());
            assertTrue(Files.exists(dir.resolve("a.sock")), "the first daemon's socket stays");
        }
        finally
        {
            first.close();
        }
        final Xbowd third = new Xbowd(dir.resolve("b.sock"), dir.resolve("state"), null, null, false, "test");
        third.start();
        third.close();
    }

    @Test
    void shouldPutItsSocketOnlyInARuntimeDirectoryOfItsOwn() throws Exception
    {
        final String tmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try
        {
            final Path base = Paths.sharedTmpRuntimeDirectory();
            final Path socket = base.resolve("xbow").resolve("xbowd.sock");
            Paths.ensureOwnRuntimeDirectory(socket);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));

            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
            final IOException open = assertThrows(IOException.class, () -> Paths.ensureOwnRuntimeDirectory(socket));
            assertTrue(open.getMessage().contains("mode rwxrwxrwx, not rwx------"), open.getMessage());

            Files.delete(base);
            final Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createSymbolicLink(base, elsewhere);
            final IOException link = assertThrows(IOException.class, () -> Paths.ensureOwnRuntimeDirectory(socket));
            assertTrue(link.getMessage().contains("not a directory of"), link.getMessage());
        }
        finally
        {
            System.setProperty("java.io.tmpdir", tmp);
        }
    }
}

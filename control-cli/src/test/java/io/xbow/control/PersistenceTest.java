package io.xbow.control;

import io.xbow.control.store.ConfigStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A change the daemon cannot write to its configuration is refused and undone: nothing unacknowledged stays
 * applied. (The temporary file is made a directory, so that writing it fails even for root.)
 */
class PersistenceTest
{
    @TempDir
    Path dir;

    @Test
    void shouldUndoAChangeItCouldNotSave() throws Exception
    {
        try (InProcess x = new InProcess(dir))
        {
            assertEquals(0, x.dladm("create-etherstub", "stub0"));
            assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "-p", "maxbw=1500K,priority=low", "vnic1"));
            final String saved = Files.readString(dir.resolve(ConfigStore.FILE_NAME));
            Files.createDirectory(dir.resolve(ConfigStore.FILE_NAME + ".tmp"));

            assertEquals(1, x.dladm("create-vnic", "-l", "stub0", "vnic2"));
            assertTrue(x.err.startsWith("dladm: configuration could not be saved"), x.err);
            assertTrue(x.err.endsWith("; nothing was changed\n"), x.err);
            assertEquals(1, x.dladm("set-linkprop", "-p", "maxbw=10M,priority=high", "vnic1"));
            assertEquals(1, x.dladm("delete-vnic", "vnic1"));
            assertEquals(1, x.dladm("rename-link", "vnic1", "web0"));

            assertEquals(0, x.dladm("show-link", "-p", "-o", "link"));
            assertEquals("stub0\nvnic1\n", x.out, "the live state is as the file says");
            assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "value", "-p", "maxbw,priority", "vnic1"));
            assertEquals("1.5\nlow\n", x.out);
            assertEquals(saved, Files.readString(dir.resolve(ConfigStore.FILE_NAME)));
        }
    }
}

package io.xbow.control;

import io.xbow.control.store.ConfigStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every acknowledged change survives a restart, and nothing acknowledged keeps the daemon from starting. A change the
 * daemon cannot write to its configuration is refused and undone, exactly: nothing unacknowledged stays applied.
 * (The temporary file is made a directory, so that writing it fails even for root.)
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

    @Test
    void shouldUndoAFailedModifyVnicToTheSameRandomAddress() throws Exception
    {
        try (InProcess x = new InProcess(dir))
        {
            assertEquals(0, x.dladm("create-etherstub", "stub0"));
            assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "-m", "random", "vnic1"));
            assertEquals(0, x.dladm("show-vnic", "-p", "-o", "macaddress,macaddrtype,vid", "vnic1"));
            final String before = x.out;
            Files.createDirectory(dir.resolve(ConfigStore.FILE_NAME + ".tmp"));

            assertEquals(1, x.dladm("modify-vnic", "-v", "7", "vnic1"));
            assertEquals(0, x.dladm("show-vnic", "-p", "-o", "macaddress,macaddrtype,vid", "vnic1"));
            assertEquals(before, x.out, "the address keeps its type (random), not just its value");
            assertTrue(before.contains(":random:"), before);
        }
    }

    @Test
    void shouldStoreWhatTheParserMadeOfAValueSoThatItReadsBack() throws Exception
    {
        try (InProcess x = new InProcess(dir))
        {
            assertEquals(0, x.dladm("create-etherstub", "stub0"));
            x.call("create-vnic", java.util.Map.of("link", "vnic1", "over", "stub0",
                "properties", java.util.Map.of("allowed-ips", "10.0.0.1, 10.0.0.2", "protection", "ip-nospoof")));
            x.call("set-linkprop", java.util.Map.of("link", "vnic1", "properties",
                java.util.Map.of("allowed-ips", " 10.0.0.3 ,10.0.0.4")));
        }
        try (InProcess x = new InProcess(dir))
        {
            x.service.restore();
            assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "value", "-p", "allowed-ips", "vnic1"));
            assertEquals("10.0.0.3,10.0.0.4\n", x.out);
        }
    }

    @Test
    void shouldDeleteOnlyTheActiveObjectWithMinusT() throws Exception
    {
        try (InProcess x = new InProcess(dir))
        {
            assertEquals(0, x.dladm("create-etherstub", "stub0"));
            assertEquals(0, x.dladm("create-etherstub", "stub1"));
            assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "vnic1"));
            assertEquals(0, x.dladm("delete-vnic", "-t", "vnic1"));
            assertEquals(0, x.dladm("delete-etherstub", "-t", "stub1"));
            assertEquals(0, x.dladm("show-link", "-p", "-o", "link"));
            assertEquals("stub0\n", x.out);
            assertEquals(1, x.dladm("create-vnic", "-l", "stub0", "vnic1"), "the name stays taken until a restart");
            assertTrue(x.err.startsWith("dladm: object already exists"), x.err);
        }
        try (InProcess x = new InProcess(dir))
        {
            x.service.restore();
            assertEquals(0, x.dladm("show-link", "-p", "-o", "link"));
            assertEquals("stub0\nstub1\nvnic1\n", x.out, "-t deleted the active objects only");
            assertEquals(0, x.dladm("delete-vnic", "-t", "vnic1"));
            assertEquals(0, x.dladm("delete-vnic", "vnic1"), "the persistent one goes without -t");
        }
        try (InProcess x = new InProcess(dir))
        {
            x.service.restore();
            assertEquals(0, x.dladm("show-link", "-p", "-o", "link"));
            assertEquals("stub0\nstub1\n", x.out);
        }
    }

    @Test
    void shouldRefuseAPersistentChangeToATemporaryLinkAsDladmDoes() throws Exception
    {
        try (InProcess x = new InProcess(dir))
        {
            assertEquals(0, x.dladm("create-etherstub", "stub0"));
            assertEquals(0, x.dladm("create-vnic", "-t", "-l", "stub0", "vnic1"));
            assertEquals(1, x.dladm("set-linkprop", "-p", "maxbw=10M", "vnic1"));
            assertEquals("dladm: cannot persistently set link property: change cannot be persistent, specify -t " +
                "please\n", x.err);
            assertEquals(1, x.dladm("reset-linkprop", "-p", "maxbw", "vnic1"));
            assertEquals(1, x.dladm("modify-vnic", "-v", "5", "vnic1"));
            assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "value", "-p", "maxbw", "vnic1"));
            assertEquals("--\n", x.out, "nothing was applied");
            assertEquals(0, x.dladm("set-linkprop", "-t", "-p", "maxbw=10M", "vnic1"));
            assertEquals(0, x.dladm("modify-vnic", "-t", "-v", "5", "vnic1"));
        }
    }

    /**
     * Random sequences of accepted dladm commands, odd but legal values included; after a restart every show command
     * prints what it printed before. With {@code -t} among them (whose changes a restart rightly undoes) the daemon
     * still starts, and a second restart shows what the first did.
     */
    @Test
    void shouldShowTheSameAfterARestartWhateverWasDone() throws Exception
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            final boolean temporaries = seed % 2 == 0;
            final Path state = dir.resolve("seed" + seed);
            Files.createDirectories(state);
            final String before;
            try (InProcess x = new InProcess(state))
            {
                assertFalse(new RandomDladm(new SplittableRandom(seed), temporaries).run(x, 60).isEmpty());
                before = RandomDladm.everything(x);
            }
            final String restarted;
            try (InProcess x = new InProcess(state))
            {
                x.service.restore();
                restarted = RandomDladm.everything(x);
            }
            if (!temporaries)
            {
                assertEquals(before, restarted, "seed " + seed);
            }
            try (InProcess x = new InProcess(state))
            {
                x.service.restore();
                assertEquals(restarted, RandomDladm.everything(x), "seed " + seed);
            }
        }
    }
}

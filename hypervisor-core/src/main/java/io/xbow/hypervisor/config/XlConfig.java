package io.xbow.hypervisor.config;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A domain configuration in xl.cfg terms.
 *
 * @param name        the domain's name.
 * @param uuid        its UUID, or null to generate one.
 * @param memoryMb    memory in MiB.
 * @param maxmemMb    the memory ceiling in MiB.
 * @param vcpus       virtual CPUs.
 * @param type        the guest builder: {@code emulated} (the default), or a type xl knows ({@code pv}, {@code pvh},
 *                    {@code hvm}) which xbow does not build yet.
 * @param onPoweroff  what to do when the guest powers off.
 * @param onReboot    what to do when the guest reboots.
 * @param onCrash     what to do when the guest crashes.
 * @param vifs        its network interfaces, devid = index.
 * @param warnings    what xl warns about (a key set twice, {@code kernel} for an HVM guest, ...).
 * @param others      the settings xbow does not act on ({@code kernel}, {@code disk}, {@code bootloader}, ...), in
 *                    the file's order, as xl keeps them: accepted silently, shown by {@code xl list -l}. Values are
 *                    strings, numbers or lists of them.
 */
public record XlConfig(String name, UUID uuid, int memoryMb, int maxmemMb, int vcpus, String type, String onPoweroff,
    String onReboot, String onCrash, List<VifSpec> vifs, List<String> warnings, Map<String, Object> others)
{
}

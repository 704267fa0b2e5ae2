package io.xbow.hypervisor;

import io.xbow.hypervisor.config.ConfigException;
import io.xbow.hypervisor.config.VifSpec;
import io.xbow.hypervisor.config.XenRate;
import io.xbow.hypervisor.config.XlConfig;
import io.xbow.hypervisor.config.XlConfigParser;
import io.xbow.packet.address.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

class XlConfigParserTest
{
    private static XlConfig parse(final String text, final String... overrides) throws ConfigException
    {
        return XlConfigParser.parse("web1.cfg", text, List.of(overrides));
    }

    @Test
    void shouldReadAConfigAsXlWritesIt() throws ConfigException
    {
        final XlConfig config = parse(
            "# a web server\n" +
            "name = \"web1\"\n" +
            "uuid = '6a8b3a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'\n" +
            "memory = 512; maxmem = 1024\n" +
            "vcpus = 2  # two\n" +
            "on_crash = 'preserve'\n" +
            "vif = [ 'mac=00:16:3e:01:02:03,bridge=stub0,ip=10.0.0.2 10.0.0.3,rate=10Mb/s@20ms',\n" +
            "        \"bridge=stub0, vlanid=100, vifname=web1-eth1\",\n" +
            "      ]\n" +
            "extra = \\\n" +
            "  'console=hvc0'\n");
        assertEquals("web1", config.name());
        assertEquals(UUID.fromString("6a8b3a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), config.uuid());
        assertEquals(512, config.memoryMb());
        assertEquals(1024, config.maxmemMb());
        assertEquals(2, config.vcpus());
        assertEquals("emulated", config.type());
        assertEquals("destroy", config.onPoweroff());
        assertEquals("restart", config.onReboot());
        assertEquals("preserve", config.onCrash());
        assertEquals(2, config.vifs().size());
        final VifSpec first = config.vifs().get(0);
        assertEquals(MacAddress.parse("00:16:3e:01:02:03"), first.mac());
        assertEquals("stub0", first.bridge());
        assertEquals(List.of("10.0.0.2", "10.0.0.3"), first.ips());
        assertEquals(1_250_000, first.rate().bytesPerSecond());
        assertEquals(20_000, first.rate().intervalUs());
        assertEquals("vif-bridge", first.script());
        assertEquals(100, config.vifs().get(1).vlanid());
        assertEquals("web1-eth1", config.vifs().get(1).vifname());
        assertEquals(List.of(), config.warnings(), "xl accepts keys it does not use, silently");
        assertEquals(java.util.Map.of("extra", "console=hvc0"), config.others(), "kept, for xl list -l");
    }

    @Test
    void shouldKeepTheSettingsXlKnowsAndXbowDoesNotAndWarnWhereXlWarns() throws Exception
    {
        final XlConfig pv = XlConfigParser.parse("pv.cfg", "name = 'pv'\ntype = 'pv'\nkernel = '/boot/vmlinuz'\n" +
            "disk = [ 'phy:/dev/vg/pv,xvda,w' ]\nbootloader = 'pygrub'\nmemory = 256\n", List.of());
        assertEquals(List.of("kernel", "disk", "bootloader"), List.copyOf(pv.others().keySet()), "in the file's order");
        assertEquals(List.of("phy:/dev/vg/pv,xvda,w"), pv.others().get("disk"));
        assertEquals(List.of(), pv.warnings());
        final XlConfig hvm = XlConfigParser.parse("hvm.cfg", "name = 'h'\ntype = 'hvm'\nkernel = '/boot/x'\n",
            List.of());
        assertEquals(List.of("ignoring \"kernel\" directive for HVM guest. Use \"firmware_override\" instead if " +
            "you really want a non-default firmware"), hvm.warnings());
    }

    @Test
    void shouldApplyCommandLineOverridesLast() throws ConfigException
    {
        final XlConfig config = parse("name='a1'\nmemory=256\n", "memory=1024", "name=\"b2\"");
        assertEquals(1024, config.memoryMb());
        assertEquals("b2", config.name());
        assertEquals(2, config.warnings().size(), "each override that replaces a setting is reported");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "memory = 512                                     | web1.cfg: domain name must be specified (name = \"...\")",
        "name = 'web1'\\nmemory = 'lots'                   | web1.cfg:2: memory must be a number",
        "name = 'web1'\\nvcpus = 0                         | web1.cfg:2: vcpus must be 1-512, got 0",
        "name = 'web 1'                                   | web1.cfg:1: invalid domain name 'web 1': 1-64 letters, digits, '_', '.', '-', and not all digits",
        "name = '42'                                      | web1.cfg:1: invalid domain name '42': 1-64 letters, digits, '_', '.', '-', and not all digits",
        "name = 'web1\\nmemory = 1                        | web1.cfg:1: unterminated string",
        "name = 'web1'\\nvif = [ 'bridge=stub0'\\n        | web1.cfg:2: list not closed with ']'",
        "name = 'web1'\\nvif = 'bridge=stub0'              | web1.cfg:2: vif must be a list: vif = [ '...', ... ]",
        "name = 'web1'\\nvif = [ 'mac=01:00:5e:0:0:1' ]    | web1.cfg:2: invalid vif mac '01:00:5e:0:0:1': must be unicast",
        "name = 'web1'\\nvif = [ 'rate=fast' ]             | web1.cfg:2: invalid rate 'fast': expected RATE/s or RATE/s@INTERVAL, for example 10Mb/s or 1MB/s@20ms (B = bytes, b = bits; G, M, K multipliers; s, ms, us intervals)",
        "name = 'web1'\\nvif = [ 'vlanid=4095' ]           | web1.cfg:2: invalid VLAN id 4095: must be 1-4094 (4095 is reserved)",
        "name = 'web1'\\nvif = [ 'bridge' ]                | web1.cfg:2: invalid vif entry 'bridge': expected key=value",
        "name = 'web1'\\non_crash = 'explode'              | web1.cfg:2: invalid on_crash action 'explode': one of coredump-destroy, coredump-restart, destroy, preserve, rename-restart, restart, soft-reset",
        "name = 'web1' memory = 2                         | web1.cfg:1: unexpected 'm' after the value of name",
        "= 5                                              | web1.cfg:1: expected a setting name, found '='",
        "name = 'web1'\\ntype = 'xen'                      | web1.cfg:2: invalid type 'xen': emulated, netns, pv, pvh or hvm",
    })
    void shouldNameTheFileLineAndReason(final String text, final String message)
    {
        final ConfigException ex = assertThrows(ConfigException.class,
            () -> parse(text.trim().replace("\\n", "\n")));
        assertEquals(message.trim(), ex.getMessage());
    }

    @Test
    void shouldReadXenRates()
    {
        assertEquals(1_250_000, XenRate.parse("10Mb/s").bytesPerSecond());
        assertEquals(10_000_000, XenRate.parse("10Mb/s").bitsPerSecond());
        assertEquals(1_000_000, XenRate.parse("1MB/s").bytesPerSecond());
        assertEquals(50_000, XenRate.parse("1MB/s").intervalUs(), "50 ms by default");
        assertEquals("20000,20000", XenRate.parse("1MB/s@20ms").xenstoreValue());
        assertEquals(2_000_000, XenRate.parse("1MB/s@2").intervalUs(), "seconds without a unit");
        assertEquals(125, XenRate.parse("1Kb/s@100us").bytesPerSecond());
        assertThrows(IllegalArgumentException.class, () -> XenRate.parse("10Mbit/s"));
        assertThrows(IllegalArgumentException.class, () -> XenRate.parse("0Mb/s"));
        assertThrows(IllegalArgumentException.class, () -> XenRate.parse("10Mb/s@"));
    }
}

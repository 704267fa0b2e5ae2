package io.xbow.control;

import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vswitch.port.MemoryDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden output of every show command, human and parsable, with dladm's columns, widths and escaping.
 */
class DladmOutputTest
{
    private InProcess x;

    @BeforeEach
    void setUp()
    {
        x = new InProcess(null);
        x.registry.createPhys("net0", new MemoryDevice(64), PhysicalLinkSpec.of(MacAddress.parse("0:8:20:aa:bb:1"))
            .withFactoryMacs(MacAddress.parse("0:8:20:aa:bb:11")), false);
        assertEquals(0, x.dladm("create-etherstub", "stub0"));
        assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "-v", "100", "-m", "2:8:20:1:2:3",
            "-p", "maxbw=200M,priority=low", "vnic1"));
        assertEquals(0, x.dladm("create-vnic", "-l", "net0", "-m", "factory", "xvm12_0"));
        assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "-m", "random", "-r", "2:aa", "averyveryverylongname0"));
        assertEquals(0, x.dladm("create-vlan", "-l", "net0", "-v", "2"));
    }

    @AfterEach
    void tearDown()
    {
        x.close();
    }

    @Test
    void showLink()
    {
        assertEquals(0, x.dladm("show-link"));
        assertEquals(
            "LINK        CLASS     MTU    STATE    BRIDGE     OVER\n" +
            "net0        phys      1500   up       --         --\n" +
            "stub0       etherstub 9000   unknown  --         --\n" +
            "vnic1       vnic      9000   up       --         stub0\n" +
            "xvm12_0     vnic      1500   up       --         net0\n" +
            "averyveryverylongname0 vnic 9000 up   --         stub0\n" +
            "net2000     vlan      1500   up       --         net0\n", x.out);
        assertEquals(0, x.dladm(), "no subcommand is show-link");
        assertTrue(x.out.startsWith("LINK        CLASS"));
        assertEquals(0, x.dladm("show-link", "-p", "-o", "link,class,over", "vnic1"));
        assertEquals("vnic1:vnic:stub0\n", x.out);
        assertEquals(0, x.dladm("show-link", "-p", "-o", "LINK"));
        assertEquals("net0\nstub0\nvnic1\nxvm12_0\naveryveryverylongname0\nnet2000\n", x.out);
    }

    @Test
    void showLinkStatistics()
    {
        assertEquals(0, x.dladm("show-link", "-s", "vnic1"));
        assertEquals(
            "LINK           IPACKETS  RBYTES  IERRORS   OPACKETS    OBYTES      OERRORS\n" +
            "vnic1          0         0       0         0           0           0\n", x.out);
        assertEquals(0, x.dladm("show-link", "-s", "-p", "-o", "link,ipackets,oerrors", "net0"));
        assertEquals("net0:0:0\n", x.out);
    }

    @Test
    void showVnic()
    {
        assertEquals(0, x.dladm("show-vnic"));
        assertEquals(
            "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n" +
            "vnic1        stub0      0     2:8:20:1:2:3      fixed       100  --\n" +
            "xvm12_0      net0       10000 0:8:20:aa:bb:11   factory, slot 1 0 --\n" +
            "averyveryverylongname0 stub0 0 2:aa:2f:eb:6e:95 random      0    --\n", x.out);
        assertEquals(0, x.dladm("show-vnic", "-p", "-o", "link,macaddress,macaddrtype", "xvm12_0"));
        assertEquals("xvm12_0:0\\:8\\:20\\:aa\\:bb\\:11:factory, slot 1\n", x.out,
            "colons in values are escaped when more than one field is printed");
        assertEquals(0, x.dladm("show-vnic", "-p", "-o", "macaddress", "xvm12_0"));
        assertEquals("0:8:20:aa:bb:11\n", x.out, "a single field is printed as it is");
        assertEquals(0, x.dladm("show-vnic", "-l", "net0", "-o", "link,over"));
        assertEquals("LINK         OVER\nxvm12_0      net0\n", x.out);
    }

    @Test
    void showVnicStatisticsAsDladmLaysThemOut()
    {
        assertEquals(0, x.dladm("show-vnic", "-s"));
        assertEquals(
            "\tipackets  rbytes      opackets  obytes          \n" +
            "vnic1\t0         0           0         0           \t-\t-\n" +
            "xvm12_0\t0         0           0         0           \t-\t-\n" +
            "averyveryverylongname0\t0         0           0         0           \t-\t-\n", x.out);
        assertEquals(0, x.dladm("show-vnic", "-s", "-l", "net0"));
        assertEquals(
            "net0\tipackets  rbytes      opackets  obytes          %ipkts  %opkts\n" +
            "Total\t0         0           0         0           \n" +
            "xvm12_0\t0         0           0         0           \t-\t-\n", x.out);
    }

    @Test
    void showEtherstubPhysAndVlan()
    {
        assertEquals(0, x.dladm("show-etherstub"));
        assertEquals("LINK\nstub0\n", x.out);
        assertEquals(0, x.dladm("show-phys"));
        assertEquals(
            "LINK         MEDIA                STATE      SPEED  DUPLEX    DEVICE\n" +
            "net0         Ethernet             up         10000  full      net0\n", x.out);
        assertEquals(0, x.dladm("show-phys", "-p", "-o", "link,state,speed,device"));
        assertEquals("net0:up:10000:net0\n", x.out);
        assertEquals(0, x.dladm("show-phys", "-p", "-o", "link,flags"));
        assertEquals("net0:-----\n", x.out, "FLAGS, shown when asked for, as illumos's");
        assertEquals(0, x.dladm("show-etherstub", "-p", "-o", "link"));
        assertEquals("stub0\n", x.out);
        assertEquals(0, x.dladm("show-vlan"));
        assertEquals(
            "LINK            VID      OVER         FLAGS\n" +
            "net2000         2        net0         -----\n", x.out);
        assertEquals(0, x.dladm("show-vlan", "-p", "-o", "link,vid,over"));
        assertEquals("net2000:2:net0\n", x.out);
    }

    @Test
    void showLinkprop()
    {
        assertEquals(0, x.dladm("show-linkprop", "vnic1"));
        assertEquals(
            "LINK         PROPERTY        PERM VALUE          DEFAULT        POSSIBLE\n" +
            "vnic1        maxbw           rw   200            --             --\n" +
            "vnic1        priority        rw   low            high           low,medium,high\n" +
            "vnic1        mtu             rw   9000           9000           68-9000\n" +
            "vnic1        protection      rw   --             --             mac-nospoof,restricted,ip-nospoof,dhcp-nospoof\n" +
            "vnic1        allowed-ips     rw   --             --             --\n" +
            // Wider than its column: ofmt lets it overflow and takes the room back from the next fields.
            "vnic1        allowed-dhcp-cids rw --             --             --\n" +
            "vnic1        zone            rw   --             --             global\n" +
            "vnic1        state           ro   up             up             up,down\n" +
            "vnic1        speed           ro   0              --             --\n" +
            "vnic1        over            ro   stub0          --             --\n", x.out);
        assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "link,property,value", "-p", "priority,maxbw", "vnic1"));
        assertEquals("vnic1:priority:low\nvnic1:maxbw:200\n", x.out);
    }

    @Test
    void showPersistentViews()
    {
        assertEquals(0, x.dladm("create-vnic", "-t", "-l", "stub0", "tmp0"));
        assertEquals(0, x.dladm("set-linkprop", "-t", "-p", "maxbw=50M", "vnic1"));
        assertEquals(0, x.dladm("show-link", "-P"));
        assertEquals(
            "LINK        CLASS     BRIDGE     OVER\n" +
            "stub0       etherstub --         --\n" +
            "vnic1       vnic      --         stub0\n" +
            "xvm12_0     vnic      --         net0\n" +
            "averyveryverylongname0 vnic --   stub0\n" +
            "net2000     vlan      --         net0\n", x.out, "no temporary tmp0, no MTU or state");
        assertEquals(0, x.dladm("show-link", "--persistent", "-p", "-o", "link,over", "vnic1"));
        assertEquals("vnic1:stub0\n", x.out);
        assertEquals(1, x.dladm("show-link", "-P", "tmp0"));
        assertEquals(0, x.dladm("show-vnic", "-P", "-l", "stub0"));
        assertEquals(
            "LINK         OVER       SPEED MACADDRESS        MACADDRTYPE VID  ZONE\n" +
            "vnic1        stub0      0     2:8:20:1:2:3      fixed       100  --\n" +
            "averyveryverylongname0 stub0 0 2:aa:2f:eb:6e:95 random      0    --\n", x.out);
        assertEquals(0, x.dladm("show-linkprop", "-P", "-c", "-o", "link,property,value", "-p", "maxbw,priority",
            "vnic1"));
        assertEquals("vnic1:maxbw:200\nvnic1:priority:low\n", x.out, "200 kept; the temporary 50 is active only");
        assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "value", "-p", "maxbw", "vnic1"));
        assertEquals("50\n", x.out);
        assertEquals(1, x.dladm("show-linkprop", "-P", "tmp0"));
        assertTrue(x.err.contains("not in the persistent configuration"), x.err);
        assertEquals(2, x.dladm("show-link", "-P", "-s"));
    }

    @Test
    void showPhysMacAddressesAndLongOptions()
    {
        assertEquals(0, x.dladm("show-phys", "-m"));
        assertEquals(
            "LINK         SLOT     ADDRESS            INUSE CLIENT\n" +
            "net0         primary  0:8:20:aa:bb:1     yes  net0\n" +
            "net0         1        0:8:20:aa:bb:11    yes  xvm12_0\n", x.out);
        assertEquals(0, x.dladm("delete-vnic", "xvm12_0"));
        assertEquals(0, x.dladm("show-phys", "-m", "-p", "-o", "slot,inuse,client", "net0"));
        assertEquals("primary:yes:net0\n1:no:--\n", x.out, "the factory slot is free again");
        assertEquals(2, x.dladm("show-phys", "-m", "-P"));
        // illumos's long options, as dladm's getopt_long tables spell them.
        assertEquals(0, x.dladm("create-vnic", "--link", "stub0", "--vlan-id", "7", "--mac-address", "2:8:20:0:0:7",
            "--prop", "maxbw=10M", "--temporary", "vnic7"));
        assertEquals(0, x.dladm("show-vnic", "--parsable", "--output", "link,vid,macaddress", "vnic7"));
        assertEquals("vnic7:7:2\\:8\\:20\\:0\\:0\\:7\n", x.out);
        assertEquals(0, x.dladm("create-vlan", "--link", "net0", "--vlan-id", "9", "--forcible", "-t", "net9000"));
        assertEquals(0, x.dladm("show-vlan", "-p", "-o", "link,vid", "net9000"));
        assertEquals("net9000:9\n", x.out);
    }

    @Test
    void shouldRefuseBadOutputOptionsLikeDladm()
    {
        assertEquals(2, x.dladm("show-link", "-p"));
        assertEquals("dladm: -p requires -o\n", x.err);
        assertEquals(2, x.dladm("show-vnic", "-p", "-o", "all"));
        assertEquals("dladm: \"-o all\" is invalid with -p\n", x.err);
        assertEquals(2, x.dladm("show-link", "-o", "link,colour"));
        assertEquals("dladm: invalid field(s) specified: colour\n", x.err);
        assertEquals(0, x.dladm("show-link", "-o", "all", "stub0"));
    }
}

package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code xl list -l}: libxl_domain_config as JSON, byte for byte, as xl prints it.
 */
class XlListLongTest
{
    @TempDir
    Path dir;

    private TestDaemon test;
    private Xbowd daemon;
    private ApiClient client;

    @BeforeEach
    void start()
    {
        test = new TestDaemon(dir);
        daemon = test.daemon;
        client = test.client;
    }

    @AfterEach
    void stop()
    {
        test.close();
    }

    private String xl(final int status, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(status, XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), argv),
            err.toString());
        return out.toString();
    }

    @Test
    void shouldPrintLibxlDomainConfigAsJson() throws Exception
    {
        assertEquals(0, DladmCommand.run(client, new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()), "create-etherstub", "stub0"));
        Files.writeString(dir.resolve("web.cfg"), String.join("\n",
            "name = 'web'",
            "uuid = '6f1c1e34-2c5f-4f57-9d0c-1b8b7d0b8a11'",
            "memory = 512",
            "maxmem = 1024",
            "vcpus = 2",
            "vif = [ 'mac=00:16:3e:00:00:0a,bridge=stub0,ip=10.0.0.10/24,rate=100Mb/s,vifname=web0',",
            "        'bridge=stub0,model=e1000,mac=00:16:3e:00:00:0b' ]",
            "on_crash = 'rename-restart'",
            ""));
        Files.writeString(dir.resolve("db.cfg"), "name = 'db'\nuuid = '00000000-0000-4000-8000-000000000002'\n");
        xl(0, "create", dir.resolve("web.cfg").toString());
        xl(0, "create", dir.resolve("db.cfg").toString());
        final String web = String.join("\n",
            "    {",
            "        \"domid\": 1,",
            "        \"config\": {",
            "            \"c_info\": {",
            "                \"type\": \"emulated\",",
            "                \"name\": \"web\",",
            "                \"uuid\": \"6f1c1e34-2c5f-4f57-9d0c-1b8b7d0b8a11\"",
            "            },",
            "            \"b_info\": {",
            "                \"max_vcpus\": 2,",
            "                \"avail_vcpus\": [",
            "                    0,",
            "                    1",
            "                ],",
            "                \"max_memkb\": 1048576,",
            "                \"target_memkb\": 524288",
            "            },",
            "            \"nics\": [",
            "                {",
            "                    \"backend_domid\": 0,",
            "                    \"devid\": 0,",
            "                    \"mac\": \"00:16:3e:00:00:0a\",",
            "                    \"ip\": \"10.0.0.10/24\",",
            "                    \"bridge\": \"stub0\",",
            "                    \"ifname\": \"web0\",",
            "                    \"script\": \"vif-bridge\",",
            "                    \"nictype\": \"vif\",",
            "                    \"rate_bytes_per_interval\": 625000,",
            "                    \"rate_interval_usecs\": 50000",
            "                },",
            "                {",
            "                    \"backend_domid\": 0,",
            "                    \"devid\": 1,",
            "                    \"model\": \"e1000\",",
            "                    \"mac\": \"00:16:3e:00:00:0b\",",
            "                    \"bridge\": \"stub0\",",
            "                    \"script\": \"vif-bridge\",",
            "                    \"nictype\": \"vif\"",
            "                }",
            "            ],",
            "            \"on_poweroff\": \"destroy\",",
            "            \"on_reboot\": \"restart\",",
            "            \"on_watchdog\": \"destroy\",",
            "            \"on_crash\": \"restart_rename\",",
            "            \"on_soft_reset\": \"soft_reset\"",
            "        }",
            "    }");
        assertEquals("[\n" + web + "\n]\n", xl(0, "list", "-l", "web"));
        final String all = xl(0, "list", "-l");
        assertEquals("[\n" + web + ",\n    {\n        \"domid\": 2,\n", all.substring(0, web.length() + 30),
            "every domain but Domain-0, which has no configuration");
        assertEquals(String.join("\n",
            "            \"nics\": [],",
            "            \"on_poweroff\": \"destroy\",",
            "            \"on_reboot\": \"restart\",",
            "            \"on_watchdog\": \"destroy\",",
            "            \"on_crash\": \"destroy\",",
            "            \"on_soft_reset\": \"soft_reset\"",
            "        }",
            "    }",
            "]",
            ""), all.substring(all.indexOf("            \"nics\": [],")));
        assertEquals("[]\n", xl(0, "list", "-l", "Domain-0"));
        xl(1, "list", "-l", "nosuch");
    }

    @Test
    void aDryRunShouldPrintTheConfigurationWithWhatXbowKeepsAndLeaveNoTrace() throws Exception
    {
        Files.writeString(dir.resolve("pv.cfg"), String.join("\n",
            "name = 'pv1'",
            "uuid = '00000000-0000-4000-8000-0000000000aa'",
            "type = 'pv'",
            "kernel = '/boot/vmlinuz'",
            "root = '/dev/xvda1 ro'",
            "extra = 'console=hvc0'",
            "disk = [ 'phy:/dev/vg/pv1,xvda,w', 'format=qcow2, vdev=xvdb, access=ro, target=/img/b.qcow2' ]",
            "bootloader = 'pygrub'",
            "cpus = '0-1'",
            "vif = [ 'bridge=nosuch' ]",
            ""));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), new String[] {"create",
            "-n", dir.resolve("pv.cfg").toString()}), err.toString());
        assertEquals("Parsing config from " + dir.resolve("pv.cfg") + "\n", err.toString(), "and no warning: xl's");
        assertEquals(String.join("\n",
            "{",
            "    \"c_info\": {",
            "        \"type\": \"pv\",",
            "        \"name\": \"pv1\",",
            "        \"uuid\": \"00000000-0000-4000-8000-0000000000aa\"",
            "    },",
            "    \"b_info\": {",
            "        \"max_vcpus\": 1,",
            "        \"avail_vcpus\": [",
            "            0",
            "        ],",
            "        \"max_memkb\": 131072,",
            "        \"target_memkb\": 131072,",
            "        \"kernel\": \"/boot/vmlinuz\",",
            "        \"cmdline\": \"root=/dev/xvda1 ro console=hvc0\",",
            "        \"type.pv\": {",
            "            \"bootloader\": \"pygrub\"",
            "        }",
            "    },",
            "    \"disks\": [",
            "        {",
            "            \"backend_domid\": 0,",
            "            \"pdev_path\": \"/dev/vg/pv1\",",
            "            \"vdev\": \"xvda\",",
            "            \"format\": \"raw\",",
            "            \"readwrite\": 1",
            "        },",
            "        {",
            "            \"backend_domid\": 0,",
            "            \"pdev_path\": \"/img/b.qcow2\",",
            "            \"vdev\": \"xvdb\",",
            "            \"format\": \"qcow2\",",
            "            \"readwrite\": 0",
            "        }",
            "    ],",
            "    \"nics\": [",
            "        {",
            "            \"backend_domid\": 0,",
            "            \"devid\": 0,",
            "            \"mac\": \"00:00:00:00:00:00\",",
            "            \"bridge\": \"nosuch\",",
            "            \"script\": \"vif-bridge\",",
            "            \"nictype\": \"vif\"",
            "        }",
            "    ],",
            "    \"on_poweroff\": \"destroy\",",
            "    \"on_reboot\": \"restart\",",
            "    \"on_watchdog\": \"destroy\",",
            "    \"on_crash\": \"destroy\",",
            "    \"on_soft_reset\": \"soft_reset\",",
            "    \"xbow_unused_settings\": {",
            "        \"cpus\": \"0-1\"",
            "    }",
            "}",
            ""), out.toString());
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)\n",
            xl(0, "list").lines().findFirst().get() + "\n");
        assertEquals(1, xl(0, "list").lines().count() - 1, "only Domain-0: the dry run created nothing");
        final StringWriter links = new StringWriter();
        assertEquals(0, DladmCommand.run(client, new PrintWriter(links), new PrintWriter(new StringWriter()),
            "show-link", "-p", "-o", "link"));
        assertFalse(links.toString().contains("xvm"), "and no VNIC: " + links);
        assertEquals("[]\n", xl(0, "list", "-l"));
    }
}

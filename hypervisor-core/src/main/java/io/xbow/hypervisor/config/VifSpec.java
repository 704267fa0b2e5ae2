package io.xbow.hypervisor.config;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.vlan.VlanId;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry of xl's {@code vif = [ ... ]}: comma-separated {@code key=value} pairs, all optional.
 *
 * @param mac      the guest's MAC, or null to generate one in the Xen OUI.
 * @param bridge   the link the VNIC goes over (an etherstub or physical link), or null for the default.
 * @param ips      the guest's addresses (space-separated in the file), possibly with a prefix length.
 * @param rate     the outbound rate, or null for none.
 * @param vifname  the backend device name, or null for {@code vif<domid>.<devid>}.
 * @param script   {@code vif-bridge} (the default), {@code vif-route} or {@code vif-nat}.
 * @param model    the emulated NIC model, or null.
 * @param type     {@code vif} or {@code ioemu}, or null.
 * @param backend  the backend domain, or null for dom0.
 * @param vlanid   the VLAN id (xVM's {@code vlanid}), or 0.
 * @param gateway  the guest's default gateway ({@code gateway=}, an xbow extension for netns guests), or null.
 * @param gatewaydev for {@code vif-route}: the link where the router answers ARP for the guest ({@code gatewaydev=},
 *                 or the deprecated {@code netdev=}), or null for the link of the default route.
 * @param warnings unknown keys, reported as xl reports them.
 */
public record VifSpec(Long mac, String bridge, List<String> ips, XenRate rate, String vifname, String script,
    String model, String type, String backend, int vlanid, String gateway, String gatewaydev, List<String> warnings)
{
    /**
     * @param text one vif entry, for example {@code mac=00:16:3e:01:02:03,bridge=stub0,rate=10Mb/s}.
     * @return the vif.
     * @throws IllegalArgumentException naming the bad key or value.
     */
    public static VifSpec parse(final String text)
    {
        Long mac = null;
        String bridge = null;
        final List<String> ips = new ArrayList<>();
        XenRate rate = null;
        String vifname = null;
        String script = "vif-bridge";
        String model = null;
        String type = null;
        String backend = null;
        int vlanid = 0;
        String gateway = null;
        String gatewaydev = null;
        final List<String> warnings = new ArrayList<>();
        for (final String part : text.split(","))
        {
            final String item = part.trim();
            if (item.isEmpty())
            {
                continue;
            }
            final int eq = item.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("invalid vif entry '" + item + "': expected key=value");
            }
            final String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String value = item.substring(eq + 1).trim();
            switch (key)
            {
                case "mac":
                    mac = MacAddress.parse(value);
                    if (!MacAddress.isValidUnicast(mac))
                    {
                        throw new IllegalArgumentException("invalid vif mac '" + value + "': must be unicast");
                    }
                    break;
                case "bridge": bridge = value; break;
                case "ip":
                    for (final String ip : value.split("\\s+"))
                    {
                        final int slash = ip.indexOf('/');
                        Ipv4Address.parse(slash < 0 ? ip : ip.substring(0, slash));
                        ips.add(ip);
                    }
                    break;
                case "rate": rate = XenRate.parse(value); break;
                case "vifname": vifname = value; break;
                case "script":
                    script = value.substring(value.lastIndexOf('/') + 1);
                    if (!List.of("vif-bridge", "vif-route", "vif-nat").contains(script))
                    {
                        throw new IllegalArgumentException("invalid vif script '" + value +
                            "': xbow provides vif-bridge, vif-route and vif-nat");
                    }
                    break;
                case "model": model = value; break;
                case "type": type = value; break;
                case "backend": backend = value; break;
                case "vlanid":
                case "vlan":
                    vlanid = VlanId.parse(value);
                    break;
                case "gateway":
                    Ipv4Address.parse(value);
                    gateway = value;
                    break;
                case "gatewaydev":
                case "netdev":
                    gatewaydev = value;
                    break;
                default:
                    warnings.add("unknown vif key '" + key + "' ignored");
            }
        }
        return new VifSpec(mac, bridge, List.copyOf(ips), rate, vifname, script, model, type, backend, vlanid,
            gateway, gatewaydev, List.copyOf(warnings));
    }
}

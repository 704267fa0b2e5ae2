package io.xbow.vnic.datapath;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.IpProtocol;
import io.xbow.packet.parse.HeaderChain;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Link protection for frames a guest sends (dladm {@code protection}): checks a validated frame against the
 * VNIC's policy and names the first rule it breaks. One instance per datapath thread; allocates nothing.
 * <ul>
 *   <li>restricted: only untagged IPv4, IPv6 and ARP;</li>
 *   <li>mac-nospoof: the source MAC, an ARP packet's sender MAC and neighbour discovery's link-layer address
 *   options are the VNIC's;</li>
 *   <li>ip-nospoof: an IPv4 packet's source, and an ARP packet's sender address, are in allowed-ips. Exceptions,
 *   so that a guest can get an address at all: source 0.0.0.0 in a DHCP client packet (UDP 68 to 67), and sender
 *   0.0.0.0 in an ARP probe (RFC 5227); an IPv6 packet's source is in allowed-ips, link-local (fe80::/10) and the
 *   unspecified address (duplicate address detection) excepted;</li>
 *   <li>dhcp-nospoof: a DHCPv4 client packet's chaddr is the VNIC's MAC, and its client identifier (option 61), if
 *   present, is the MAC's own (type 1 with the MAC, or an RFC 4361 identifier whose DUID is link-layer based on the
 *   MAC) or one of allowed-dhcp-cids; a DHCPv6 client message's client identifier (OPTION_CLIENTID), if present, is
 *   a DUID based on the MAC or one of allowed-dhcp-cids. A client packet too short or malformed to check is
 *   dropped.</li>
 * </ul>
 */
public final class ProtectionFilter
{
    private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
    private static final int DHCP_CLIENT_PORT = 68;
    private static final int DHCP_SERVER_PORT = 67;
    private static final int BOOTP_CHADDR = 28;
    private static final int BOOTP_MAGIC = 236;
    private static final int BOOTP_OPTIONS = 240;
    private static final int DHCP_MAGIC_COOKIE = 0x63825363;
    private static final int OPTION_PAD = 0;
    private static final int OPTION_END = 255;
    private static final int OPTION_CLIENT_ID = 61;
    private static final int DHCPV6_CLIENT_PORT = 546;
    private static final int DHCPV6_SERVER_PORT = 547;
    private static final int DHCPV6_OPTION_CLIENTID = 1;

    /**
     * @param policy the VNIC's policy.
     * @param buffer holding the frame.
     * @param chain  the frame's validated header chain.
     * @return null if the frame may pass, or why it may not.
     */
    public DropReason check(final VnicPolicy policy, final DirectBuffer buffer, final HeaderChain chain)
    {
        final int frame = chain.frameOffset();
        final int etherType = chain.etherType();
        if (policy.restricted() && (chain.tagCount() != 0 ||
            (etherType != EtherType.IPV4 && etherType != EtherType.IPV6 && etherType != EtherType.ARP)))
        {
            return DropReason.RESTRICTED;
        }
        final boolean arp = etherType == EtherType.ARP;
        final boolean ethernetIpv4Arp = arp && isEthernetIpv4Arp(buffer, chain.l3Offset());
        if (policy.macNoSpoof())
        {
            if (MacAddress.read(buffer, frame + 6) != policy.mac() ||
                (ethernetIpv4Arp && MacAddress.read(buffer, chain.l3Offset() + 8) != policy.mac()) ||
                (etherType == EtherType.IPV6 && !ndLinkLayerAddressesAre(buffer, chain, policy.mac())))
            {
                return DropReason.MAC_SPOOFED;
            }
        }
        final boolean dhcpClient = etherType == EtherType.IPV4 && isDhcpClient(buffer, chain);
        if (policy.ipNoSpoof())
        {
            if (etherType == EtherType.IPV4)
            {
                final int source = buffer.getInt(chain.l3Offset() + 12, NETWORK);
                if (!policy.allowedIps().contains(source) && !(source == 0 && dhcpClient))
                {
                    return DropReason.IP_SPOOFED;
                }
            }
            else if (etherType == EtherType.IPV6)
            {
                final long hi = buffer.getLong(chain.l3Offset() + 8, NETWORK);
                final long lo = buffer.getLong(chain.l3Offset() + 16, NETWORK);
                // Link-local (fe80::/10) and the unspecified address (duplicate address detection) stay usable, as
                // neighbour discovery needs them; every other source must be in allowed-ips.
                final boolean linkLocal = (hi >>> 54) == (0xFE80L >>> 6);
                final boolean unspecified = hi == 0 && lo == 0;
                if (!linkLocal && !unspecified && !policy.allowedIps().contains6(hi, lo))
                {
                    return DropReason.IP_SPOOFED;
                }
            }
            else if (arp)
            {
                if (!ethernetIpv4Arp)
                {
                    return DropReason.IP_SPOOFED;
                }
                final int sender = buffer.getInt(chain.l3Offset() + 14, NETWORK);
                if (sender != 0 && !policy.allowedIps().contains(sender))
                {
                    return DropReason.IP_SPOOFED;
                }
            }
        }
        if (policy.dhcpNoSpoof())
        {
            if (dhcpClient && !isOwnDhcpClient(buffer, chain, policy))
            {
                return DropReason.DHCP_SPOOFED;
            }
            if (etherType == EtherType.IPV6 && isDhcpv6Client(buffer, chain) && !isOwnDhcpv6Client(buffer, chain, policy))
            {
                return DropReason.DHCP_SPOOFED;
            }
        }
        return null;
    }

    /**
     * Neighbour discovery (ICMPv6 133-137 straight after the IPv6 header) carries link-layer addresses in options:
     * source (type 1) in solicitations and adverts, target (type 2) in neighbour adverts and redirects. Under
     * mac-nospoof each must be the link's own, as an ARP sender must.
     *
     * @return true unless an option names another MAC (or the options run past the packet).
     */
    private static boolean ndLinkLayerAddressesAre(final DirectBuffer buffer, final HeaderChain chain, final long mac)
    {
        if (chain.ipProtocol() != IpProtocol.ICMPV6 || chain.l4Offset() == HeaderChain.ABSENT)
        {
            return true;
        }
        final int icmp = chain.l4Offset();
        final int end = icmp + chain.l4Length();
        final int type = buffer.getByte(icmp) & 0xFF;
        final int options;
        switch (type)
        {
            case 133: options = icmp + 8; break;   // router solicitation
            case 134: options = icmp + 16; break;  // router advertisement
            case 135:                              // neighbour solicitation
            case 136: options = icmp + 24; break;  // neighbour advertisement
            case 137: options = icmp + 40; break;  // redirect
            default: return true;
        }
        for (int option = options; option + 2 <= end; )
        {
            final int optionType = buffer.getByte(option) & 0xFF;
            final int length = (buffer.getByte(option + 1) & 0xFF) * 8;
            if (length == 0 || option + length > end)
            {
                return false; // malformed options: RFC 4861 says drop the message
            }
            if ((optionType == 1 || optionType == 2) && length >= 8 && MacAddress.read(buffer, option + 2) != mac)
            {
                return false;
            }
            option += length;
        }
        return true;
    }

    /**
     * A DHCP client identifier that names this VNIC: type 1 with its MAC (RFC 2132), or type 255 (RFC 4361: an IAID
     * and a DUID) whose DUID is link-layer based (DUID-LLT, type 1, or DUID-LL, type 3; RFC 8415) on Ethernet with
     * its MAC. A DUID that names no hardware (DUID-EN, DUID-UUID) cannot be tied to the link and is refused.
     */
    private static boolean isOwnClientId(final DirectBuffer buffer, final int id, final int length, final long mac)
    {
        if (length == 7 && buffer.getByte(id) == 1)
        {
            return MacAddress.read(buffer, id + 1) == mac;
        }
        return length > 1 + 4 && (buffer.getByte(id) & 0xFF) == 255 &&
            isOwnDuid(buffer, id + 1 + 4, length - 1 - 4, mac);
    }

    /** A DUID-LLT (type 1) or DUID-LL (type 3) on Ethernet whose address is this MAC (RFC 8415). */
    private static boolean isOwnDuid(final DirectBuffer buffer, final int duid, final int length, final long mac)
    {
        if (length < 4)
        {
            return false;
        }
        final int duidType = buffer.getShort(duid, NETWORK) & 0xFFFF;
        final int hardwareType = buffer.getShort(duid + 2, NETWORK) & 0xFFFF;
        final int address = duidType == 1 ? duid + 8 : duidType == 3 ? duid + 4 : -1;
        return address > 0 && hardwareType == 1 && address + 6 == duid + length && MacAddress.read(buffer, address) == mac;
    }

    private static boolean isDhcpv6Client(final DirectBuffer buffer, final HeaderChain chain)
    {
        final int udp = chain.l4Offset();
        return chain.ipProtocol() == IpProtocol.UDP && udp != HeaderChain.ABSENT &&
            (buffer.getShort(udp, NETWORK) & 0xFFFF) == DHCPV6_CLIENT_PORT &&
            (buffer.getShort(udp + 2, NETWORK) & 0xFFFF) == DHCPV6_SERVER_PORT;
    }

    /**
     * A DHCPv6 client message (RFC 8415: a type, a 3-byte transaction id, then options of a 2-byte code and a
     * 2-byte length): its OPTION_CLIENTID, if any, names this VNIC.
     */
    private static boolean isOwnDhcpv6Client(final DirectBuffer buffer, final HeaderChain chain,
        final VnicPolicy policy)
    {
        final int udp = chain.l4Offset();
        final int end = udp + (buffer.getShort(udp + 4, NETWORK) & 0xFFFF);
        int option = udp + 8 + 4;
        if (option > end)
        {
            return false;
        }
        while (option < end)
        {
            if (option + 4 > end)
            {
                return false;
            }
            final int code = buffer.getShort(option, NETWORK) & 0xFFFF;
            final int length = buffer.getShort(option + 2, NETWORK) & 0xFFFF;
            if (option + 4 + length > end)
            {
                return false;
            }
            if (code == DHCPV6_OPTION_CLIENTID && !isOwnDuid(buffer, option + 4, length, policy.mac()) &&
                !policy.allowedDhcpCids().matchesDuid(buffer, option + 4, length))
            {
                return false;
            }
            option += 4 + length;
        }
        return true;
    }

    private static boolean isEthernetIpv4Arp(final DirectBuffer buffer, final int arp)
    {
        return buffer.getInt(arp, NETWORK) == (1 << 16 | EtherType.IPV4) &&
            buffer.getShort(arp + 4, NETWORK) == 0x0604;
    }

    private static boolean isDhcpClient(final DirectBuffer buffer, final HeaderChain chain)
    {
        final int udp = chain.l4Offset();
        return chain.ipProtocol() == IpProtocol.UDP && udp != HeaderChain.ABSENT &&
            (buffer.getShort(udp, NETWORK) & 0xFFFF) == DHCP_CLIENT_PORT &&
            (buffer.getShort(udp + 2, NETWORK) & 0xFFFF) == DHCP_SERVER_PORT;
    }

    private static boolean isOwnDhcpClient(final DirectBuffer buffer, final HeaderChain chain, final VnicPolicy policy)
    {
        final long mac = policy.mac();
        final int bootp = chain.l4Offset() + 8;
        final int end = chain.l4Offset() + (buffer.getShort(chain.l4Offset() + 4, NETWORK) & 0xFFFF);
        if (bootp + BOOTP_OPTIONS > end)
        {
            return false;
        }
        // htype 1 (Ethernet), hlen 6: anything else cannot be this VNIC's hardware address.
        if (buffer.getByte(bootp + 1) != 1 || buffer.getByte(bootp + 2) != 6 ||
            MacAddress.read(buffer, bootp + BOOTP_CHADDR) != mac)
        {
            return false;
        }
        if (buffer.getInt(bootp + BOOTP_MAGIC, NETWORK) != DHCP_MAGIC_COOKIE)
        {
            return true; // plain BOOTP: no options to check
        }
        int option = bootp + BOOTP_OPTIONS;
        while (option < end)
        {
            final int code = buffer.getByte(option) & 0xFF;
            if (code == OPTION_END)
            {
                return true;
            }
            if (code == OPTION_PAD)
            {
                option++;
                continue;
            }
            if (option + 2 > end)
            {
                return false;
            }
            final int length = buffer.getByte(option + 1) & 0xFF;
            if (option + 2 + length > end)
            {
                return false;
            }
            if (code == OPTION_CLIENT_ID && !isOwnClientId(buffer, option + 2, length, mac) &&
                !policy.allowedDhcpCids().matchesDhcpv4(buffer, option + 2, length))
            {
                return false;
            }
            option += 2 + length;
        }
        return true;
    }
}

package io.xbow.control.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dladm commands as the API serves them: a command name and a JSON object of arguments in, a {@link Table}
 * (for show commands) or nothing out. One place maps names to {@link DladmService} calls, for the HTTP API and for
 * in-process callers alike.
 */
public final class DladmApi implements CommandApi
{
    /** The subcommands the API serves. */
    public static final Set<String> COMMANDS = Set.of("show-link", "show-phys", "show-vnic", "show-etherstub",
        "show-vlan", "show-linkprop", "create-etherstub", "delete-etherstub", "create-vnic", "delete-vnic",
        "modify-vnic", "create-vlan", "delete-vlan", "rename-link", "set-linkprop", "reset-linkprop");

    private final DladmService service;

    public DladmApi(final DladmService service)
    {
        this.service = service;
    }

    /**
     * @param command a dladm subcommand, for example {@code create-vnic}.
     * @param args    its arguments by name.
     * @return the rows of a show command, or null for a change.
     * @throws IllegalArgumentException for an unknown command or a bad argument.
     */
    @Override
    public Table call(final String command, final Map<String, Object> args)
    {
        final ApiArgs a = new ApiArgs(args);
        switch (command)
        {
            case "show-link": return a.flag("statistics") ? service.showLinkStats(a.string("link")) :
                a.flag("persistent") ? service.showLinkPersistent(a.string("link")) :
                service.showLink(a.string("link"));
            case "show-phys": return a.flag("macs") ? service.showPhysMacs(a.string("link")) :
                a.flag("persistent") ? service.showPhysPersistent(a.string("link")) :
                service.showPhys(a.string("link"));
            case "show-vnic": return a.flag("statistics") ? vnicStats(a) :
                service.showVnic(a.string("link"), a.string("over"), a.flag("persistent"));
            case "show-etherstub": return service.showEtherstub(a.string("link"));
            case "show-vlan": return service.showVlan(a.string("link"));
            case "show-linkprop": return service.showLinkprop(a.string("link"), a.strings("properties"),
                a.flag("persistent"));
            case "create-etherstub":
                service.createEtherstub(a.required("link"), a.flag("temporary"));
                return null;
            case "delete-etherstub":
                service.deleteEtherstub(a.required("link"), a.flag("temporary"));
                return null;
            case "create-vnic":
                service.createVnic(a.required("link"), a.required("over"), a.string("mac"), a.string("prefix"),
                    a.integer("slot"), a.integer("vid") == null ? 0 : a.integer("vid"), a.map("properties"),
                    a.flag("temporary"));
                return null;
            case "delete-vnic":
                service.deleteVnic(a.required("link"), a.flag("temporary"));
                return null;
            case "modify-vnic":
                service.modifyVnic(a.required("link"), a.string("mac"), a.integer("vid"), a.flag("temporary"));
                return null;
            case "create-vlan":
                service.createVlan(a.required("over"), a.requiredInteger("vid"), a.string("link"),
                    a.flag("temporary"));
                return null;
            case "delete-vlan":
                service.deleteVlan(a.required("link"), a.flag("temporary"));
                return null;
            case "rename-link":
                service.renameLink(a.required("link"), a.required("newName"));
                return null;
            case "set-linkprop":
                service.setLinkprop(a.required("link"), a.map("properties"), a.flag("temporary"));
                return null;
            case "reset-linkprop":
                service.resetLinkprop(a.required("link"), a.strings("properties"), a.flag("temporary"));
                return null;
            default:
                throw new UnknownCommandException(command);
        }
    }

    private Table vnicStats(final ApiArgs a)
    {
        final Table vnics = service.showVnic(a.string("link"), a.string("over"));
        final List<List<String>> rows = new ArrayList<>();
        for (final List<String> vnic : vnics.rows())
        {
            final List<String> stats = service.showLinkStats(vnic.get(0)).rows().get(0);
            rows.add(List.of(vnic.get(0), stats.get(1), stats.get(2), stats.get(4), stats.get(5)));
        }
        return new Table(List.of("LINK", "IPACKETS", "RBYTES", "OPACKETS", "OBYTES"), rows);
    }

    /** Typed access to JSON arguments, with messages that name the argument. */
}

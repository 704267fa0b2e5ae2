# Bash completion for xl and xbow (xbow capture, xbow xl), printed by `xbow completion` after dladm's.
# Domain names come from `xl list`, capturable links from `xbow capture -D`: both ask the running daemon.

_xbow_xl_domains() {
    xl list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0" { print $1 }'
}

_xbow_xl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local subcommands="create list destroy shutdown reboot pause unpause network-attach network-detach
        network-list domid domname uptime ping exec help"
    COMPREPLY=()
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=( $(compgen -W "$subcommands" -- "$cur") )
        return
    fi
    local sub=${COMP_WORDS[1]} opts="" words=0 i
    # Words after the subcommand that are not options: the first is the domain (or create's file).
    for (( i = 2; i < COMP_CWORD; i++ )); do
        [[ ${COMP_WORDS[i]} == -* ]] || (( words++ ))
        [[ ${COMP_WORDS[i]} == -f || ${COMP_WORDS[i]} == --defconfig ]] && (( i++ ))
    done
    case $sub in
        create)
            if [[ $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "-f -p -n -q --defconfig --dryrun --quiet" -- "$cur") )
            elif [[ $prev == -f || $prev == --defconfig ]] || (( words == 0 )); then
                compopt -o filenames 2>/dev/null
                COMPREPLY=( $(compgen -f -- "$cur") )
            fi
            return ;;
        list) opts="-l -v --long --verbose" ;;
        destroy) opts="-f" ;;
        shutdown|reboot) opts="-a -w -F --all --wait" ;;
        uptime) opts="-s" ;;
        ping) opts="-c -i -W -s -u" ;;
        pause|unpause|network-attach|network-detach|network-list|domid|exec) ;;
        *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    elif [[ $sub == exec ]] && (( words >= 1 )); then
        COMPREPLY=( $(compgen -c -- "$cur") )
    elif [[ $sub == list || $sub == uptime || $sub == network-list ]] || (( words == 0 )); then
        COMPREPLY=( $(compgen -W "$(_xbow_xl_domains)" -- "$cur") )
    fi
}
complete -F _xbow_xl xl

_xbow_capture_links() {
    xbow capture -D 2>/dev/null | sed -e 's/^[0-9]*\.//' -e 's/ .*//'
}

_xbow() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} first=1
    COMPREPLY=()
    [[ ${COMP_WORDS[1]} == --socket ]] && first=3
    if [[ $prev == --socket ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=( $(compgen -f -- "$cur") )
        return
    fi
    if (( COMP_CWORD == first )); then
        COMPREPLY=( $(compgen -W "dladm xl ipadm route routeadm netstat arp dhcpadm ipnat capture daemon completion
            --socket --version" -- "$cur") )
        return
    fi
    case ${COMP_WORDS[first]} in
        ipadm|route|routeadm|netstat|arp|dhcpadm|ipnat)
            COMP_WORDS=( "${COMP_WORDS[@]:first}" )
            (( COMP_CWORD -= first ))
            _xbow_l3 ;;
        capture)
            case $prev in
                -i) COMPREPLY=( $(compgen -W "$(_xbow_capture_links) any" -- "$cur") ); return ;;
                -w|-r) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
                -Q) COMPREPLY=( $(compgen -W "in out inout" -- "$cur") ); return ;;
                -c|-s|-G|-C|-W) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "-i -Q -c -s -w -r -D -e -n -nn -q -v -vv -x -xx -X -XX -A -t -tt -ttt
                    -tttt -ttttt -U -G -C -W --pcapng" -- "$cur") )
            fi ;;
        xl)
            COMP_WORDS=( "${COMP_WORDS[@]:first}" )
            (( COMP_CWORD -= first ))
            _xbow_xl ;;
        daemon)
            if [[ $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "--socket --state-dir --listen --token-file --allow-remote --guest-threads
                    --poll-us --nat-filtering --nat-connections" -- "$cur") )
            elif [[ $prev == --guest-threads ]]; then
                COMPREPLY=( $(compgen -W "datapath own" -- "$cur") )
            elif [[ $prev == --nat-filtering ]]; then
                COMPREPLY=( $(compgen -W "address-and-port-dependent endpoint-independent" -- "$cur") )
            fi ;;
    esac
}
complete -F _xbow xbow

# The router's tools: subcommands and options as illumos spells them.
_xbow_l3()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} program=${COMP_WORDS[0]##*/}
    COMPREPLY=()
    case $program in
        ipadm)
            if (( COMP_CWORD == 1 )); then
                COMPREPLY=( $(compgen -W "create-addr delete-addr show-addr show-if" -- "$cur") )
            elif [[ $prev == -T ]]; then
                COMPREPLY=( $(compgen -W "static" -- "$cur") )
            elif [[ $cur == -* ]]; then
                case ${COMP_WORDS[1]} in
                    create-addr) COMPREPLY=( $(compgen -W "-t -T -a --temporary --type --address" -- "$cur") ) ;;
                    show-addr|show-if) COMPREPLY=( $(compgen -W "-p -o" -- "$cur") ) ;;
                esac
            fi ;;
        route)
            if [[ $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "-n -p -q -net -host -netmask" -- "$cur") )
            else
                local i word=
                for (( i = 1; i < COMP_CWORD; i++ )); do
                    [[ ${COMP_WORDS[i]} != -* ]] && { word=${COMP_WORDS[i]}; break; }
                done
                [[ -z $word ]] && COMPREPLY=( $(compgen -W "add delete get show flush" -- "$cur") )
            fi ;;
        routeadm)
            case $prev in
                -e|-d|-r) COMPREPLY=( $(compgen -W "ipv4-forwarding" -- "$cur") ) ;;
                *) COMPREPLY=( $(compgen -W "-e -d -r -u -p" -- "$cur") ) ;;
            esac ;;
        netstat) COMPREPLY=( $(compgen -W "-rn -pn -r -p -n -s" -- "$cur") ) ;;
        ipnat)
            if [[ $prev == -f || $prev == -*f ]]; then
                compopt -o filenames 2>/dev/null
                COMPREPLY=( $(compgen -f -- "$cur") )
            else
                COMPREPLY=( $(compgen -W "-C -F -l -n -r -s -v -f" -- "$cur") )
            fi ;;
        arp) COMPREPLY=( $(compgen -W "-a -an -n" -- "$cur") ) ;;
        dhcpadm)
            if (( COMP_CWORD == 1 )); then
                COMPREPLY=( $(compgen -W "create-pool delete-pool add-host remove-host show-pool show-lease" -- "$cur") )
            elif [[ $prev == -p && ${COMP_WORDS[1]} == create-pool ]]; then
                COMPREPLY=( $(compgen -W "range= lease= router= dns= domain=" -- "$cur") )
                compopt -o nospace 2>/dev/null
            elif [[ $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "-t -p -m -a -o" -- "$cur") )
            fi ;;
    esac
}
complete -F _xbow_l3 ipadm routeadm dhcpadm ipnat

# bash completion for mnist-cnn(1); installed as share/bash-completion/completions/mnist-cnn,
# where bash-completion finds it, or `source` it from ~/.bashrc.
#
# The commands and their options are not listed here: they are read from the program's own help
# (`mnist-cnn --help`, `mnist-cnn CMD --help`; cli/main.c, cli/cmd_*.c), the one place they are
# kept, so the completion follows the installed version. What an option's value or an argument is
# comes from its name in the help text:
#   DIR -> folders; *.h5 -> checkpoints (.h5); IMAGE -> images (png pgm ppm jpg jpeg);
#   *.png -> PNG files; FILE, STROKES -> any file; a|b|c -> those words; anything else (N, X, F,
#   NAME, ...) -> nothing. Checkpoints leave out metric logs (*-metrics.h5): no command reads one
#   as a checkpoint.
# Arguments take the names on the first "Usage:" line (eval [FILE.h5], predict FILE.h5 IMAGE...).

# _mnist_cnn_help BIN [CMD]: the help text, on stdout. MNIST_CNN_ISA is dropped: a bad value
# would make every command, --help included, exit with an error.
_mnist_cnn_help()
{
    env -u MNIST_CNN_ISA "$@" --help 2>/dev/null
}

# _mnist_cnn_files KIND CUR: fill COMPREPLY with the candidates for a word of that kind.
_mnist_cnn_files()
{
    local kind=$1 cur=$2 f lower
    local -a exts=()
    case $kind in
        DIR) exts=() ;;
        *.h5) exts=(h5) ;;
        IMAGE) exts=(png pgm ppm jpg jpeg) ;;
        *.png) exts=(png) ;;
        FILE | STROKES) exts=('*') ;;
        *'|'*)
            mapfile -t COMPREPLY < <(compgen -W "${kind//|/ }" -- "$cur")
            return 0
            ;;
        *) return 0 ;;
    esac
    compopt -o filenames 2>/dev/null
    if [[ $kind == DIR ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return 0
    fi
    # folders, to walk into, and the files with a wanted ending (in any case)
    while IFS= read -r f; do
        if [[ -d $f || ${exts[0]} == '*' ]]; then
            COMPREPLY+=("$f")
            continue
        fi
        lower=${f,,}
        [[ $kind == *.h5 && $lower == *-metrics.h5 ]] && continue
        for e in "${exts[@]}"; do
            if [[ $lower == *."$e" ]]; then COMPREPLY+=("$f"); break; fi
        done
    done < <(compgen -f -- "$cur")
}

_mnist_cnn()
{
    COMPREPLY=()
    local cur=${COMP_WORDS[COMP_CWORD]} prev= bin=${COMP_WORDS[0]}
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    [[ $bin == '~/'* ]] && bin=$HOME/${bin#'~/'}

    # the command: the first word after the program's name that is not an option
    local i cmd= cmdi=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]} cmdi=$i
            break
        fi
    done
    local line
    if [[ -z $cmd ]]; then
        local -a words=(--help --version)
        if [[ $cur != -* ]]; then
            words=()
            # the "Commands:" list: "  NAME      what it does", up to the blank line after it
            local in=0
            while IFS= read -r line; do
                if [[ $line == Commands:* ]]; then in=1; continue; fi
                ((in)) || continue
                [[ -z $line ]] && break
                [[ $line =~ ^\ \ ([a-z][a-z0-9-]*)\  ]] && words+=("${BASH_REMATCH[1]}")
            done < <(_mnist_cnn_help "$bin")
        fi
        mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
        return 0
    fi

    # The command's options, from its help: lines "  --name VALUE  ..." or "  -o, --name VALUE".
    local help usage=
    help=$(_mnist_cnn_help "$bin" "$cmd") || return 0
    local -a opts=()
    local -A value=()
    local re='^  (-[A-Za-z], )?(--[a-z0-9][a-z0-9-]*)( ([A-Z][A-Za-z0-9._]*|[a-z0-9]+(\|[a-z0-9]+)+))?( |$)'
    while IFS= read -r line; do
        [[ -z $usage && $line == Usage:* ]] && usage=$line
        if [[ $line =~ $re ]]; then
            opts+=("${BASH_REMATCH[2]}")
            value[${BASH_REMATCH[2]}]=${BASH_REMATCH[4]}
            [[ -n ${BASH_REMATCH[1]} ]] && value[${BASH_REMATCH[1]%, }]=${BASH_REMATCH[4]}
        fi
    done <<<"$help"

    # --opt=VALUE: bash splits it into "--opt" "=" "VALUE"
    local opt=
    if [[ $cur == = ]]; then
        opt=$prev cur=
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $prev == -* && -n ${value[$prev]-} ]]; then
        opt=$prev
    fi
    if [[ -n $opt ]]; then
        _mnist_cnn_files "${value[$opt]-}" "$cur"
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
        return 0
    fi

    # An argument: which one, counting the words before it that are neither options nor their
    # values; its kind from the usage line ("Usage: mnist-cnn predict FILE.h5 IMAGE... [OPTIONS]").
    local -a args=() usage_words=()
    local w
    read -ra usage_words <<<"${usage#*"$cmd"}"
    for w in ${usage_words[@]+"${usage_words[@]}"}; do
        [[ $w == '[OPTIONS]' ]] && continue
        w=${w#[}
        args+=("${w%]}")
    done
    local n=0
    for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == -* ]]; then
            # an option that takes a value: skip it, given as the next word or after '='
            if [[ -n ${value[$w]-} ]]; then
                if [[ ${COMP_WORDS[i + 1]-} == = ]]; then ((i += 2)); else ((i += 1)); fi
            elif [[ ${COMP_WORDS[i + 1]-} == = ]]; then
                ((i += 2))
            fi
            continue
        fi
        ((n++))
    done
    ((${#args[@]})) || return 0
    local kind=${args[n]-}
    # the last argument repeats when it ends in "..."
    [[ -z $kind && ${args[-1]} == *... ]] && kind=${args[-1]}
    _mnist_cnn_files "${kind%...}" "$cur"
}

complete -F _mnist_cnn mnist-cnn

#!/usr/bin/env bash
# Same seed, data and options -> the same checkpoint, bit for bit (cmp), whatever the thread
# count; a different seed -> different weights. Short runs with augmentation and dropout on (the
# default), so every random stream is exercised.
#
# The checkpoint holds only what the seed, data and options determine; the metric log, whose
# wall-clock fields (seconds, samples_per_s in /metrics/epochs) differ between identical runs, is
# the file beside it (NAME-metrics.h5). Both are also compared object by object (cli_helper digest:
# a hash of every dataset, field of a compound table and attribute), which says what differs.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! have_data; then
    for c in "train seed 7 (2 threads)" "train seed 7 again" "two runs identical" \
             "train seed 7 (1 thread)" "1 thread identical" "a.h5 = b.h5 (cmp)" "a.h5 = c.h5 (cmp)" \
             "resume equals straight run" "resume rejects --seed" "train seed 8" "seed 8 differs"; do
        skip "$c"
    done
    finish
    exit
fi

small_data "$WORK/data" 1000 1000
train() {   # train NAME SEED THREADS
    run "$BIN" train --data "$WORK/data" --limit 1000 --test-limit 1000 --epochs 1 --seed "$2" \
        --threads "$3" --log-every 4 --schedule constant --json --out "$WORK/$1.h5"
    cp "$WORK/out" "$WORK/$1.json"
    local why=""
    [ "$rc" -eq 0 ] && [ -s "$WORK/$1.h5" ] || why="exit status $rc: $(head -c 2000 "$WORK/err")"
    why=${why:-$("$HELPER" digest "$WORK/$1.h5" 2>&1 >"$WORK/$1.digest")}
    why=${why:-$("$HELPER" digest "$WORK/$1-metrics.h5" 2>&1 >"$WORK/$1.mdigest")}
    verdict "train --seed $2 --threads $3 --limit 1000 --epochs 1 ($1)" "$why"
    echo "# $(cut -c1-160 "$WORK/$1.json")"
}
# same A B: the checkpoint digests of A and B agree entirely, their metric logs but for the timing
# fields.
same() {
    local ex='^/metrics/epochs\.(seconds|samples_per_s|eval_seconds) '
    local d
    d=$(diff "$WORK/$1.digest" "$WORK/$2.digest")
    d="$d$(diff <(grep -Ev "$ex" "$WORK/$1.mdigest") <(grep -Ev "$ex" "$WORK/$2.mdigest"))"
    # The comparison must have covered the whole state: 18 model tensors, 24 Adam moments, the
    # step log (--log-every 4 over 16 steps gives rows).
    local n
    n=$(grep -Ec '^/(model|optimizer/exp_avg|optimizer/exp_avg_sq)/[a-z0-9_.]+ (float32|int64) ' \
        "$WORK/$1.digest")
    [ "$n" -eq 42 ] || d="$d
digest of $1 lists $n tensors, expected 18 + 2 x 12 = 42"
    grep -Eq '^/metrics/steps.loss float32 [1-9]' "$WORK/$1.mdigest" || d="$d
$1 has no /metrics/steps rows"
    # And the JSON lines (losses, accuracies) agree once the timings are blanked.
    local ja jb
    ja=$(sed -E 's/"(seconds|samples_per_s|eval_seconds|checkpoint)": [^,}]*//g' "$WORK/$1.json")
    jb=$(sed -E 's/"(seconds|samples_per_s|eval_seconds|checkpoint)": [^,}]*//g' "$WORK/$2.json")
    [ "$ja" = "$jb" ] || d="$d
JSON output differs:
$ja
$jb"
    printf '%s' "$d"
}

train a 7 2
train b 7 2
verdict "same seed, data, options: identical tensors, optimizer state, attributes and logs" \
    "$(same a b)"
train c 7 1
verdict "--threads 1 gives the same checkpoint and log as --threads 2" "$(same a c)"

# Whole files: the checkpoints must be byte-identical, across runs and thread counts.
for pair in "a b" "a c"; do
    set -- $pair
    if cmp -s "$WORK/$1.h5" "$WORK/$2.h5"; then
        ok "checkpoints $1.h5 and $2.h5 are byte-identical (cmp)"
    else
        not_ok "checkpoints $1.h5 and $2.h5 are byte-identical (cmp)"
        cmp -l "$WORK/$1.h5" "$WORK/$2.h5" 2>&1 | head -5 | diag
    fi
done

# Resume: a 1-epoch run continued with --resume to 2 epochs (on 1 thread) must equal a straight
# 2-epoch run (2 threads), checkpoint bytes and log alike.
# (at a constant rate: a cosine's length is the run's, which --epochs at resume would change)
run "$BIN" train --data "$WORK/data" --limit 1000 --test-limit 1000 --epochs 2 --seed 7 \
    --threads 2 --log-every 4 --schedule constant --json --out "$WORK/e.h5"
cp "$WORK/out" "$WORK/e.json"
cp "$WORK/a.h5" "$WORK/r.h5" && cp "$WORK/a-metrics.h5" "$WORK/r-metrics.h5"
run "$BIN" train --resume "$WORK/r.h5" --epochs 2 --test-limit 1000 --threads 1 --log-every 4 \
    --json
why=""
[ "$rc" -eq 0 ] || why="resume: exit status $rc: $(head -c 2000 "$WORK/err")"
cmp -s "$WORK/e.h5" "$WORK/r.h5" || why="$why
e.h5 (2 epochs straight) and r.h5 (1 epoch + --resume) differ: $(cmp "$WORK/e.h5" "$WORK/r.h5" 2>&1)"
ex='^/metrics/epochs\.(seconds|samples_per_s|eval_seconds) '
d=$(diff <("$HELPER" digest "$WORK/e-metrics.h5" | grep -Ev "$ex") \
         <("$HELPER" digest "$WORK/r-metrics.h5" | grep -Ev "$ex"))
[ -z "$d" ] || why="$why
metric logs differ: $d"
verdict "1 epoch + --resume to 2 gives the same checkpoint (cmp) and log as 2 epochs straight" "$why"
run "$BIN" train --resume "$WORK/r.h5" --seed 3
[ "$rc" -eq 2 ] && grep -q -- "--seed cannot be combined with --resume" "$WORK/err" \
    && ok "--resume with --seed: exit 2, says the seed comes from the checkpoint" \
    || not_ok "--resume with --seed: exit 2, says the seed comes from the checkpoint"

train d 8 2
# Every float tensor of the model must differ for another seed (the int64 counters may not).
d=$(join <(grep -E '^/model/.* float32 ' "$WORK/a.digest" | awk '{print $1, $4}' | sort) \
         <(grep -E '^/model/.* float32 ' "$WORK/d.digest" | awk '{print $1, $4}' | sort) |
    awk '$2 == $3 {print $1 " is the same for seeds 7 and 8"} END {if (NR != 16) print NR " float tensors compared, expected 16"}')
verdict "a different seed gives different weights in every float tensor" "$d"

finish

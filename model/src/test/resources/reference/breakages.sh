#!/bin/bash
# Each breakage of the method (issue 19), made by hand in a scratch copy of the committed tree, and the
# tests run against it; every one must fail. Usage, from the repository root:
#   model/src/test/resources/reference/breakages.sh [scratch-dir]    (about 6 min on a 2-core machine)
set -u
ROOT=$(pwd)
SCRATCH=${1:-$(mktemp -d)}
git archive HEAD | tar -x -C "$SCRATCH"
cd "$SCRATCH" && git init -q && git add -A && git commit -qm base
DATA=-Dstreamalign.data.dir=$ROOT/../shared/data
M=model/src/main/java/io/streamalign/model
run() { # name, tests, python patch
  name="$1"; tests="$2"; patch="$3"
  git checkout -q -- .
  python3 -c "$patch" || { echo "$name: PATCH FAILED"; return; }
  git diff --stat | tail -1
  out=$(./mvnw -o -B -pl model -am test -Dpit.skip=true -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false "$DATA" 2>&1)
  echo "== $name"
  echo "$out" | grep -E "Tests run:.*Fail|\[ERROR\]   [A-Za-z]+Test\.|\[ERROR\] Failures|\[ERROR\]   Run" | grep -v "Tests run:.*Failures: 0, Errors: 0" | head -12
  echo "$out" | grep -E "^\[INFO\] Tests run:|^\[ERROR\] Tests run:" | tail -1
}
sub() { echo "import re,sys; p='$M/$1'; s=open(p).read(); a='''$2'''; b='''$3'''; assert a in s, 'missing'; s=s.replace(a,b,1); open(p,'w').write(s)"; }

run "1 remove the PMR term (learner)" "LearnerMethodTest" "$(sub CrossModalLearner.java 'if (p != null) loss = loss == null ? p : loss.add(p);' '')"
run "2 flip the sign of PER" "ObjectiveValuesTest" "$(sub PmrObjective.java 'Ops.mul(Losses.prototypeEntropy(in.z(), in.prototypes(), scale), -co.entropy()[i])' 'Ops.mul(Losses.prototypeEntropy(in.z(), in.prototypes(), scale), co.entropy()[i])')"
run "3 PCE on the wrong modality" "ObjectiveValuesTest" "$(sub PmrObjective.java 'Losses.prototypeCrossEntropy(in.z(), in.prototypes(), in.oneHot(), scale),' 'Losses.prototypeCrossEntropy(mods.get(s.length - 1 - i).z(), mods.get(s.length - 1 - i).prototypes(), mods.get(s.length - 1 - i).oneHot(), scale),')"
run "4a drop weak pairs (positives)" "ObjectiveValuesTest" "$(sub AlignmentObjective.java 'if (strong || weak)' 'if (strong)')"
run "4b drop weak pairs (no replay partners)" "ObjectiveValuesTest" "$(sub AlignmentObjective.java 'if (budget <= 0 || replay == null) break;' 'if (true) break;')"
run "5a detach PMR gradients from the encoders (learner)" "LearnerMethodTest" "$(sub CrossModalLearner.java 'new PmrObjective.Input(
              z,' 'new PmrObjective.Input(
              z.stopGradient(),')"
run "5b detach PMR gradients (PmrObjective)" "ObjectiveValuesTest" "$(sub PmrObjective.java 'Input in = mods.get(i);
      if (co.pce()[i] > 0) {' 'Input in = new Input(mods.get(i).z().stopGradient(), mods.get(i).prototypes(), mods.get(i).oneHot());
      if (co.pce()[i] > 0) {')"
run "6a no outer step on the classifier" "ReptileTest" "$(sub ReptileStep.java '    for (String n : names) {
      NDArray m = meta.get(n);' '    for (String n : names) {
      if (n.startsWith(\"phi.\")) continue;
      NDArray m = meta.get(n);')"
run "6b no outer step on the encoders" "ReptileTest" "$(sub ReptileStep.java '    for (String n : names) {
      NDArray m = meta.get(n);' '    for (String n : names) {
      if (n.startsWith(\"video.\") || n.startsWith(\"audio.\")) continue;
      NDArray m = meta.get(n);')"
run "6c adapted parameters copied instead of the outer step" "ObjectiveValuesTest,ReptileTest" "$(sub ReptileStep.java 'delta.muli((float) eps);' 'delta.muli(1f);')"
run "7 no momentum on the prototypes" "ObjectiveValuesTest,PmrTest" "$(sub PrototypeBank.java 'old == null ? fresh : momentum(old, fresh, eps)' 'fresh')"
git checkout -q -- .
echo ALLDONE

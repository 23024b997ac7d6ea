"""A command-line SMT-LIB 2 front end for the cvc5 Python package (PyPI `cvc5`, pinned in
tools/requirements.txt), which ships the solver library but no `cvc5` executable.

halmos runs it through `--solver-command` (see scripts/assurance.sh):

    .tools/venv/bin/python tools/cvc5_smt2.py --produce-models --solve-bv-as-int=iand \
        --iand-mode=bitwise QUERY.smt2

`--name=value` (or `--name`, meaning true) sets a cvc5 option; the last plain argument is the query
file (stdin when there is none). Each command's response is printed as the cvc5 binary prints it.
"""

import sys

import cvc5
from cvc5 import InputLanguage, InputParser, SymbolManager


def main(argv: list[str]) -> int:
    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    files = []
    for arg in argv:
        if arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            solver.setOption(name, value or "true")
        else:
            files.append(arg)
    if files:
        with open(files[-1], encoding="utf8") as f:
            text = f.read()
    else:
        text = sys.stdin.read()
    symbols = SymbolManager(tm)
    parser = InputParser(solver, symbols)
    parser.setStringInput(InputLanguage.SMT_LIB_2_6, text, files[-1] if files else "stdin")
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        out = cmd.invoke(solver, symbols)
        if out:
            sys.stdout.write(out if out.endswith("\n") else out + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

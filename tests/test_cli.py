"""The command line: families, solve, check, sample, in single and JSON-lines modes."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from grader.cli import app

runner = CliRunner()
ALEXNET = {"input_size": 227, "in_channels": 3, "out_channels": 96, "kernel_size": 11, "stride": 4}


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_families_lists_every_family_with_one_line():
    result = run("families")
    assert result.exit_code == 0
    assert "conv_output_shape" in result.output and "output shape of a convolution" in result.output


def test_solve_prints_the_answer_json():
    result = run("solve", "conv_output_shape", "--params", json.dumps(ALEXNET))
    assert result.exit_code == 0
    assert json.loads(result.output) == {"out_channels": 96, "out_size": [55, 55]}


def test_solve_reads_json_lines_and_keeps_going_after_a_bad_line():
    lines = "\n".join([json.dumps(ALEXNET), "{not json", json.dumps({"input_size": 3, "kernel_size": 5}),
                       json.dumps({**ALEXNET, "stride": 2})]) + "\n"
    result = run("solve", "conv_output_shape", "--params", "-", stdin=lines)
    out = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and len(out) == 4
    assert out[0]["out_size"] == [55, 55] and out[3]["out_size"] == [109, 109]
    assert out[1]["error"].startswith("line 2: not valid JSON")
    assert "line 3: conv_output_shape: kernel_size: the dilated kernel" in out[2]["error"]


def test_check_prints_the_documented_verdict():
    result = run("check", "conv_output_shape", "--params", json.dumps(ALEXNET),
                 "--answer", json.dumps({"out_channels": 96, "out_size": [54, 54]}))
    verdict = json.loads(result.output)
    assert verdict["correct"] is False and verdict["score"] == 1 and verdict["max_score"] == 2
    assert verdict["mistakes"] == ["forgot_plus_one"]
    assert verdict["parts"]["out_channels"]["correct"] is True


def test_check_batch_mode_one_verdict_per_line_in_order():
    lines = [
        {"params": ALEXNET, "answer": {"out_size": [55, 55]}},
        {"params": ALEXNET},
        {"params": ALEXNET, "answer": "55x55x96"},
    ]
    result = run("check", "conv_output_shape", "--batch", "-", stdin="\n".join(map(json.dumps, lines)))
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o.get("correct") for o in out] == [True, None, True]
    assert "expected an object" in out[1]["error"]


def test_check_sig_figs_option():
    params = json.dumps({"mu_q": 0.5, "sigma_q": 1.5, "mu_p": 0.0, "sigma_p": 1.0})  # KL = 0.3445348...
    for answer, sig_figs, right in (("0.345", None, True), ("0.345", "4", False), ("0.3445", "4", True)):
        args = ["check", "kl_gaussian", "--params", params, "--answer", answer] + (["--sig-figs", sig_figs] if sig_figs else [])
        assert json.loads(run(*args).output)["correct"] is right, (answer, sig_figs)


def test_errors_are_one_line_and_exit_2():
    bad_family = run("solve", "conv_outptu_shape", "--params", "{}")
    assert bad_family.exit_code == 2 and "unknown family 'conv_outptu_shape'" in bad_family.output
    bad_json = run("solve", "conv_output_shape", "--params", "{")
    assert bad_json.exit_code == 2 and "--params is not valid JSON" in bad_json.output
    bad_params = run("solve", "conv_output_shape", "--params", '{"input_size": 8}')
    assert bad_params.exit_code == 2 and "kernel_size: required but missing" in bad_params.output


def test_sample_is_reproducible_and_solvable():
    first = run("sample", "conv_output_shape", "--seed", "3").output
    assert first == run("sample", "conv_output_shape", "--seed", "3").output
    assert run("solve", "conv_output_shape", "--params", first.strip()).exit_code == 0


def test_the_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "grader", "families"], capture_output=True, text=True, check=True)
    assert "conv_output_shape" in result.stdout


def test_the_batch_survives_lines_json_itself_cannot_read():
    answer = {"out_channels": 96, "out_size": [55, 55]}
    lines = [
        json.dumps({"params": ALEXNET, "answer": answer}),
        f'{{"params": {json.dumps(ALEXNET)}, "answer": {"7" * 5000}}}',           # past the 4,300-digit limit
        f'{{"params": {json.dumps(ALEXNET)}, "answer": {"[" * 100_000 + "]" * 100_000}}}',  # nested too deeply
        f'{{"params": {json.dumps(ALEXNET)}, "answer": {"7" * 400}}}',            # a 400-digit integer: a verdict
        json.dumps({"params": {**ALEXNET, "in_channels": True}, "answer": answer}),  # true is not 1
        json.dumps({"params": ALEXNET, "answer": answer}),
    ]
    result = run("check", "conv_output_shape", "--batch", "-", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and len(out) == 6
    assert out[0]["correct"] is True and out[5]["correct"] is True
    assert "line 2:" in out[1]["error"] and "4300 digits" in out[1]["error"]
    assert out[2]["error"] == "line 3: the JSON is nested too deeply to be read"
    assert out[3]["correct"] is False and "digits" in out[3]["feedback"][0]
    assert "in_channels: must be a number, not true" in out[4]["error"]


def test_one_shot_check_and_sample_refuse_bad_input_in_one_line():
    huge = run("check", "kl_gaussian", "--params", '{"mu_q": 0, "sigma_q": 1}', "--answer", "7" * 5000)
    assert huge.exit_code == 2 and "--answer: the JSON cannot be read" in huge.output
    negative = run("sample", "conv_values", "--seed", "-1")
    assert negative.exit_code == 2 and "--seed must be 0 or more" in negative.output and "Traceback" not in negative.output
    nan = run("solve", "kl_gaussian", "--params", '{"mu_q": NaN, "sigma_q": 1}')
    assert nan.exit_code == 2 and "mu_q: must be a number, not NaN" in nan.output


def test_the_console_script_knows_the_module_of_every_command():
    from grader.cli import COMMANDS

    registered = {c.name or c.callback.__name__: c.callback.__module__ for c in app.registered_commands}
    registered |= {g.name: g.typer_instance.registered_commands[0].callback.__module__ for g in app.registered_groups}
    assert {name: f"grader.cli.{module}" for name, module in COMMANDS.items()} == registered


def test_the_console_script_imports_only_the_command_it_runs():
    code = ("import sys; sys.argv = ['autograde', 'grade', '--help']\n"
            "from grader.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('grader', 'sqlalchemy')))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "--executor" in done.stdout  # grade's own help was printed
    assert "grader.cli.grading" in loaded
    assert not loaded & {"grader.cli.collect", "grader.cli.course", "grader.cli.web", "grader.collect", "grader.generate",
                         "grader.report.export", "sqlalchemy"}  # help for grade needs no gradebook either


def test_a_command_run_alone_is_still_a_subcommand():
    """With only its own module registered, ``autograde grade X`` still reads ``X`` as the assignment."""
    code = ("import sys; sys.argv = ['autograde', 'grade', 'nope', '--course', sys.argv[1]]\n"
            "from grader.cli import main\nmain()")
    done = subprocess.run([sys.executable, "-c", code, "/nonexistent-course"], capture_output=True, text=True)
    assert done.returncode == 2 and "error:" in done.stderr and "Usage" not in done.stderr

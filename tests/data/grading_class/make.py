"""Regenerate answers.csv: 30 students, each answer drawn (seeded) from what a class writes."""
import csv
import random
from pathlib import Path

RIGHT = {
    "q1": ["3x^2 sin x + x^3 cos x", "3*x^2*sin(x) + x^3*cos(x)", "x^2(3sin(x) + x cos(x))"],
    "q2": ["(x^2 cos x - 2x sin x)/x^4", "cos(x)/x^2 - 2sin(x)/x^3"],
    "q3": ["6x exp(3x^2)", "6*x*exp(3*x^2)"],
    "q4": ["2x/(x^2+1)", "2*x/(x^2 + 1)"],
    "q5": ["-2sin(2x) + 4x^3", "4x³ − 2 sin 2x"],
    "q6": ["x1/sqrt(x1^2 + x2)", "x₁/√(x₁^2 + x₂)"],
    "t1": ["w̄5=1; w̄4=1; w̄3=1; w̄2=2; w̄1=5 + cos(2)", "wbar5=1, wbar4=1, wbar3=1, wbar2=2, wbar1=4.584"],
}
WRONG = {
    "q1": ["3x^2 cos x", "3x^3 sin x + x^3 cos x", "x^2 sin x + x^3 cos x", "3x^2 sin x - x^3 cos x",
           "x^3 sin x", "3x^2 sin x + x^3 cos x + 1", "3x^2 sin x + x^2 cos x"],
    "q2": ["(x^2 cos x + 2x sin x)/x^4", "(2x sin x - x^2 cos x)/x^4", "(x^2 cos x - 2x sin x)/x^2",
           "cos(x)/(2x)", "-2cos(x)/x^3"],
    "q3": ["exp(3x^2)", "6x exp(6x)", "3x^2 exp(3x^2)"],
    "q4": ["1/(x^2+1)", "log(x^2+1)", "2x log(x^2+1)", "2x/(x^2+1)^2"],
    "q5": ["2sin(2x) + 4x^3", "-sin(2x) + 4x^3", "-2sin(2x) + 4x^4", "-2sin(2x) + x^3",
           "-2cos(2x) + 4x^3"],
    "q6": ["1/(2sqrt(x1^2 + x2))", "2x1/sqrt(x1^2 + x2)", "x1/(x1^2 + x2)", "x1*sqrt(x1^2+x2)"],
    "t1": ["w̄5=1; w̄4=1; w̄3=1; w̄2=5; w̄1=5 + cos(2)", "w̄5=1; w̄4=1; w̄3=2; w̄2=4; w̄1=10 + cos(2)",
           "w̄5=1; w̄4=1; w̄3=1; w̄2=2; w̄1=5 - cos(2)"],
}


def main():
    rng = random.Random(15)
    rows = [("student_id", "question_id", "answer")]
    for k in range(1, 31):
        for q in RIGHT:
            if rng.random() < 0.05:
                continue  # no answer
            pool = RIGHT[q] if rng.random() < 0.45 else WRONG[q]
            rows.append((f"s{k:02d}", q, rng.choice(pool)))
    with open(Path(__file__).with_name("answers.csv"), "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


if __name__ == "__main__":
    main()

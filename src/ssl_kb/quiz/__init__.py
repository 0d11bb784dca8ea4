"""Quizzes generated from the store: questions with exactly one right answer, exports, terminal quiz."""

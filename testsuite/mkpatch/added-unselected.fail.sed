/^+ func helper /d

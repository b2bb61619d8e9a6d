import sys

from w2s_lib.cli.main import main

sys.exit(main())

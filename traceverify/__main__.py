import sys

from traceverify.cli import main

sys.exit(main())

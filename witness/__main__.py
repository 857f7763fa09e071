import sys

from witness.server import main

sys.exit(main())

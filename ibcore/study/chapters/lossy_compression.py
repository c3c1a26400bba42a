"""Chapter 3, lossy compression and weighted KL (Butakov et al. 2023).

The sizes of ``03_lossy_compression.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.
"""

PROFILE = {
    # Butakov et al. 2024. Synthetic: image pairs with exact MI on mi_grid (nats), n_samples
    # pairs per point, one dense autoencoder per task (ae_epochs on ae_samples held-out images),
    # KL/WKL/KSG (k) on the codes, PCA codes as the ablation, KSG and MINE (mine_iters) on
    # raw_samples raw images (first seed, MI in raw_grid); sweeps: k_sweep, dim_sweep (bumps).
    # MNIST: MNISTCNN (dropout cnn_dropout, cnn_noise_mode noise of std cnn_noise on every
    # layer input), Adam cnn_lr, batch_size, cnn_epochs on cnn_train training images, one run
    # per seed of cnn_seeds, recorded every epoch on eval_samples test images; X by a conv
    # autoencoder (x_ae_epochs on x_ae_samples training images), each layer by PCA to code_dim,
    # then WKL; ablation: layers by dense autoencoders (layer_ae_epochs) at ablation_points
    # evenly spaced recorded epochs of the first seed's run.
    # Paper (and the released code, VanessB/Information-v3): lr 1e-5, batch 1024, 300 epochs,
    # 60000 training / 10000 test images, multiplicative noise 1e-3, dropout 0.1, layer
    # autoencoders 100 epochs.
    "smoke": {
        "seeds": [0],
        "mi_grid": [0.0, 5.0, 10.0],
        "n_samples": 600,
        "ae_samples": 500,
        "ae_epochs": 2,
        "raw_samples": 200,
        "raw_grid": [0.0, 10.0],
        "mine_iters": 30,
        "k": 5,
        "k_sweep": [10],
        "dim_sweep": [1],
        "cnn_epochs": 3,
        "cnn_lr": 1e-3,
        "batch_size": 256,
        "cnn_train": 1500,
        "eval_samples": 300,
        "x_ae_epochs": 1,
        "x_ae_samples": 500,
        "code_dim": 4,
        "cnn_seeds": [0],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 2,
        "ablation_points": 2,
    },
    "default": {
        "seeds": [0, 1],
        "mi_grid": [0.0, 2.5, 5.0, 7.5, 10.0],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 15,
        "raw_samples": 1000,
        "raw_grid": [0.0, 5.0, 10.0],
        "mine_iters": 300,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 20,
        "cnn_lr": 1e-3,
        "batch_size": 256,
        "cnn_train": 10000,
        "eval_samples": 2000,
        "x_ae_epochs": 5,
        "x_ae_samples": 10000,
        "code_dim": 4,
        "cnn_seeds": [0, 1, 2],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 20,
        "ablation_points": 6,
    },
    "paper": {
        "seeds": [0, 1, 2, 3, 4],
        "mi_grid": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 100,
        "raw_samples": 5000,
        "raw_grid": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
        "mine_iters": 2000,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 300,
        "cnn_lr": 1e-5,
        "batch_size": 1024,
        "cnn_train": 60000,
        "eval_samples": 10000,
        "x_ae_epochs": 200,
        "x_ae_samples": 60000,
        "code_dim": 4,
        "cnn_seeds": [0, 1, 2],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 100,
        "ablation_points": 11,
    },
}
